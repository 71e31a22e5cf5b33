package io.settlement.liabilities;

/** One step of an inclusion proof: the node beside the path, and on which side of it it sits. */
public record Sibling(Side side, Node node) {
    /** Where the sibling sits: LEFT means the parent is node(sibling, path), RIGHT node(path, sibling). */
    public enum Side { LEFT, RIGHT }
}
