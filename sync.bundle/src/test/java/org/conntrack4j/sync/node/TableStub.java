package org.conntrack4j.sync.node;

import java.util.function.Consumer;

import org.conntrack4j.sync.api.SyncConnection;
import org.conntrack4j.sync.api.SyncExpectation;
import org.conntrack4j.sync.api.SyncTable;

/** A table that takes everything, holds nothing, and tells each connection commit to a listener. */
public class TableStub implements SyncTable {
    private final java.util.function.ObjLongConsumer<SyncConnection> commits;

    public TableStub(java.util.function.ObjLongConsumer<SyncConnection> commits) {
        this.commits = commits;
    }

    @Override
    public boolean commit(SyncConnection c, long timeoutSeconds) {
        commits.accept(c, timeoutSeconds);
        return true;
    }

    @Override
    public boolean commit(SyncExpectation e, long timeoutSeconds) {
        return true;
    }

    @Override
    public boolean inject(SyncConnection c) {
        return true;
    }

    @Override
    public boolean remove(SyncConnection c) {
        return true;
    }

    @Override
    public boolean inject(SyncExpectation e) {
        return true;
    }

    @Override
    public boolean remove(SyncExpectation e) {
        return true;
    }

    @Override
    public boolean contains(SyncConnection c) {
        return true;
    }

    @Override
    public boolean contains(SyncExpectation e) {
        return true;
    }

    @Override
    public boolean destroy(SyncConnection c) {
        return true;
    }

    @Override
    public void forEachConnection(Consumer<SyncConnection> each) {
    }

    @Override
    public void forEachExpectation(Consumer<SyncExpectation> each) {
    }
}
