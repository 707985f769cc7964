package dev.imagegen.cli;

/** The {@code imagegen} command line. */
public final class Imagegen {

    private Imagegen() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(ImagegenCommand.execute(args));
    }
}
