package dev.imagegen.limits;

/** Cost, images and skipped calls of a run, or of part of it. */
public record Totals(double costUsd, long images, long skips) {
    public static final Totals ZERO = new Totals(0, 0, 0);
}
