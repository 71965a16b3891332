"""The scenarios, one module per subject (registry.SUBJECTS); `common` holds the steps several subjects share."""
