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

#include <mmtorture/ops.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Called by a target on a bug, after its report, with the input as given.
 * Return 0 to let the target abort(), non-zero to make it return instead.
 */
int mmt_fuzz_on_bug(const uint8_t *data, size_t size) __attribute__((weak));

/*
 * Present RAM a fuzz input's machine may have. The table machines of the
 * binary format are at most 64 MiB, but the escape form carries a text
 * machine spec, and a mutated one can ask for tens of GiB: such an input
 * runs for seconds (every full check walks every present page) and drags
 * the whole campaign down. Targets skip it and return -1, which keeps it
 * out of libFuzzer's corpus. Replay has no such limit.
 */
#define MMT_FUZZ_MAX_RAM (256ULL << 20)

static inline int mmt_fuzz_machine_too_big(const struct mmt_prog *prog)
{
	const struct mmt_machine *m = &prog->machine;
	uint64_t bytes = 0;

	if (prog->opset != MMT_OPSET_PAGES)
		return 0;
	for (uint32_t i = 0; i < m->nr_banks && i < MMT_MAX_RANGES; i++)
		bytes += m->banks[i].nr_pages << m->page_shift;
	return bytes > MMT_FUZZ_MAX_RAM;
}

#endif /* MMT_FUZZ_H */
