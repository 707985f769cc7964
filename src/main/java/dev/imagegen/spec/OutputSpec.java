package dev.imagegen.spec;

import java.nio.file.Path;

/** Where image files go: nothing is ever written outside {@code dir}. */
public record OutputSpec(Path dir) {}
