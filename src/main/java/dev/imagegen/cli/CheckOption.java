package dev.imagegen.cli;

import picocli.CommandLine.Option;

/** {@code --skip-check}, for the commands that call the model and so check the provider first. */
final class CheckOption {

    @Option(
            names = "--skip-check",
            description = "do not ask the provider first whether the key, the model and its options are usable "
                    + "(see 'imagegen check'); e.g. when its model listing is down")
    boolean skipCheck;
}
