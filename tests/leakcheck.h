/* SPDX-License-Identifier: MIT */
/*
 * tests/leakcheck.h - make a memory leak fail the Criterion test that made it.
 *
 * Why: Criterion runs each test in a forked child and reports the result
 * before the child exits. LeakSanitizer's own check runs at exit, so it
 * prints the leak but the test still passes (checked with a throwaway
 * leaking test: "Passing: 1", exit status ignored). A leak check in a
 * .fini fixture does not help either: an assertion or a nonzero _exit()
 * in .fini only prints a warning. So the check must run inside the test
 * body: mmt_leakcheck() runs __lsan_do_recoverable_leak_check() there and
 * cr_asserts it found nothing. MMT_TEST(suite, name) is Test(suite, name)
 * with mmt_leakcheck() appended to the body. Without ASan both are no-ops.
 *
 * Usage:
 *   #include "leakcheck.h"
 *   MMT_TEST(buddy, split_and_merge) { ... }
 * or call mmt_leakcheck() as the last statement of any Test().
 */
#ifndef MMT_TESTS_LEAKCHECK_H
#define MMT_TESTS_LEAKCHECK_H

#include <criterion/criterion.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MMT_HAVE_LSAN 1
#endif
#endif
#if !defined(MMT_HAVE_LSAN) && defined(__SANITIZE_ADDRESS__)
#define MMT_HAVE_LSAN 1
#endif

#ifdef MMT_HAVE_LSAN
#include <sanitizer/lsan_interface.h>

static inline void mmt_leakcheck(void)
{
	int leaked = __lsan_do_recoverable_leak_check();

	cr_assert_eq(leaked, 0,
		     "LeakSanitizer found leaks in this test (report above)");
}
#else
static inline void mmt_leakcheck(void)
{
}
#endif

#define MMT_TEST(suite, name)                        \
	static void mmt_body_##suite##_##name(void); \
	Test(suite, name)                            \
	{                                            \
		mmt_body_##suite##_##name();         \
		mmt_leakcheck();                     \
	}                                            \
	static void mmt_body_##suite##_##name(void)

#endif /* MMT_TESTS_LEAKCHECK_H */
