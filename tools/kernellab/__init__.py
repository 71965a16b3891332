"""kernellab: asks this machine's Linux kernel and records what it decided as kernel cases (testdata/).

Entry point: python3 -m tools.kernellab (README.md beside this file).
"""
