/* SPDX-License-Identifier: MIT */
/*
 * fuzz/fuzz.h - what a fuzz target and fuzz/driver.c agree on.
 *
 * A target defines the two libFuzzer entry points. It may be linked either
 * with libFuzzer (-fsanitize=fuzzer, fuzz preset) or with fuzz/driver.c,
 * the standalone main() used by every other preset (dev, tsan, release,
 * afl).
 *
 * When a target finds a bug it prints a readable trace, then calls the
 * weak hook mmt_fuzz_on_bug() if something defines it, and aborts unless
 * the hook returned non-zero. libFuzzer defines no hook, so the abort makes
 * it save the input; the driver defines the hook to write the artifact
 * itself, and asks the target to return so it can count the crash and go
 * on (under afl-fuzz it lets the abort happen, so AFL++ saves the input).
 */
#ifndef MMT_FUZZ_H
#define MMT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Called by a target on a bug, after its report, with the input as given.
 * Return 0 to let the target abort(), non-zero to make it return instead.
 */
int mmt_fuzz_on_bug(const uint8_t *data, size_t size) __attribute__((weak));

#endif /* MMT_FUZZ_H */
