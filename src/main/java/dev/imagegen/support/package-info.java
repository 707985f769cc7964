/**
 * Tiny domain-free helpers that several features repeated: {@link dev.imagegen.support.Sha256} (hex digests),
 * {@link dev.imagegen.support.DurableFiles} (a file replaced atomically, durably where it matters) and
 * {@link dev.imagegen.support.Causes} (the root cause of an exception). It depends on nothing of imagegen's.
 */
package dev.imagegen.support;
