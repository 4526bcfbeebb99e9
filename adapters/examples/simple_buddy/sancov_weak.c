/* SPDX-License-Identifier: MIT */
/*
 * sancov_weak.c - lets a plug-in built with -fsanitize=fuzzer-no-link load
 * into any host. Added by CMakeLists.txt when MMT_PLUGIN_FUZZ is ON; your
 * allocator needs no change for it.
 *
 * The coverage instrumentation calls hooks the host program provides:
 * libFuzzer (fuzz_diff) counts the plug-in's edges and comparisons
 * through them, the sanitizer runtimes of the other builds (mmtorture
 * under ASan or TSan) have no-op ones, and a program without a sanitizer
 * (a release build) has none, so the plug-in would not load there
 * ("undefined symbol: __sanitizer_cov_8bit_counters_init"; TSan lacks
 * __sancov_lowest_stack). These are weak no-ops with default visibility:
 * the dynamic linker looks in the program first and takes its hook when
 * it has one, so under libFuzzer the counters still reach the fuzzer;
 * otherwise it takes these. This file itself is built without the
 * instrumentation.
 */
#include <stdint.h>

#define SANCOV_WEAK __attribute__((weak, visibility("default")))

SANCOV_WEAK void __sanitizer_cov_8bit_counters_init(uint8_t *start,
						    uint8_t *stop);
SANCOV_WEAK void __sanitizer_cov_pcs_init(const uintptr_t *start,
					  const uintptr_t *stop);
SANCOV_WEAK void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
SANCOV_WEAK void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b);
SANCOV_WEAK void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b);
SANCOV_WEAK void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b);
SANCOV_WEAK void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b);
SANCOV_WEAK void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b);
SANCOV_WEAK void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b);
SANCOV_WEAK void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b);
SANCOV_WEAK void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b);
SANCOV_WEAK void __sanitizer_cov_trace_switch(uint64_t val, uint64_t *cases);
SANCOV_WEAK void __sanitizer_cov_trace_div4(uint32_t val);
SANCOV_WEAK void __sanitizer_cov_trace_div8(uint64_t val);
SANCOV_WEAK void __sanitizer_cov_trace_gep(uintptr_t idx);

SANCOV_WEAK _Thread_local uintptr_t __sancov_lowest_stack;

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop)
{
	(void)start;
	(void)stop;
}

void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop)
{
	(void)start;
	(void)stop;
}

void __sanitizer_cov_trace_pc_indir(uintptr_t callee)
{
	(void)callee;
}

void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b)
{
	(void)a;
	(void)b;
}

void __sanitizer_cov_trace_switch(uint64_t val, uint64_t *cases)
{
	(void)val;
	(void)cases;
}

void __sanitizer_cov_trace_div4(uint32_t val)
{
	(void)val;
}

void __sanitizer_cov_trace_div8(uint64_t val)
{
	(void)val;
}

void __sanitizer_cov_trace_gep(uintptr_t idx)
{
	(void)idx;
}
