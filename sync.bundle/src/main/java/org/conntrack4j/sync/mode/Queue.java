package org.conntrack4j.sync.mode;

/**
 * conntrackd's intrusive queue (queue.c): a node is in at most one queue; adding a node that is already
 * queued does nothing; a full queue refuses and counts ("not enough space errors"). Iteration tolerates
 * removal of the current node.
 */
public final class Queue {
    private final String name;
    private final int max;
    private final Node head = new Node(Node.CTL);
    private int count;
    private long enospc;

    /** A queue element: a cache object's node or a control message. */
    public static class Node {
        public static final int OBJ = 0;
        public static final int CTL = 1;

        final int kind;
        Node prev;
        Node next;
        Queue owner;

        public Node(int kind) {
            this.kind = kind;
        }

        public int kind() {
            return kind;
        }

        /** @return whether the node is in {@code q} */
        public boolean in(Queue q) {
            return owner == q;
        }

        /** @return whether the node is in any queue */
        public boolean queued() {
            return owner != null;
        }

        /** Removes the node from its queue. @return whether it was queued */
        public boolean remove() {
            if (owner == null) {
                return false;
            }
            prev.next = next;
            next.prev = prev;
            prev = next = null;
            owner.count--;
            owner = null;
            return true;
        }
    }

    public Queue(String name, int max) {
        this.name = name;
        this.max = max;
        head.prev = head.next = head;
    }

    /** @return 1 added at the tail, 0 already queued (anywhere), -1 full */
    public int add(Node n) {
        if (n.owner != null) {
            return 0;
        }
        if (count >= max) {
            enospc++;
            return -1;
        }
        n.owner = this;
        n.prev = head.prev;
        n.next = head;
        head.prev.next = n;
        head.prev = n;
        count++;
        return 1;
    }

    /** @return the removed first node, or null when empty */
    public Node removeHead() {
        Node n = head.next;
        if (n == head) {
            return null;
        }
        n.remove();
        return n;
    }

    /** The visitor of {@link #iterate}: return true to stop. */
    public interface Visitor {
        boolean visit(Node n);
    }

    /** Visits nodes head to tail; the visitor may remove the node it is given (and move it elsewhere). */
    public void iterate(Visitor v) {
        Node n = head.next;
        while (n != head) {
            Node next = n.next;
            if (v.visit(n)) {
                return;
            }
            n = next;
        }
    }

    public int size() {
        return count;
    }

    public int max() {
        return max;
    }

    public String name() {
        return name;
    }

    public long enospcErrors() {
        return enospc;
    }
}
