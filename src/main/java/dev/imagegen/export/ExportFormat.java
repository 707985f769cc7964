package dev.imagegen.export;

import java.util.Locale;

/** The dataset layouts {@code imagegen export} writes. */
public enum ExportFormat {
    /** Hugging Face ImageFolder: {@code train/} with the images and {@code metadata.jsonl}. */
    IMAGEFOLDER,
    /** WebDataset tar shards with an index per shard. */
    WEBDATASET,
    /** One metadata line per image with the image's path; no files are copied. */
    JSONL;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
