/* SPDX-License-Identifier: MIT */
/*
 * stress/stress.h - the multithreaded stress harness behind
 * `mmtorture stress` (stress/stress.c).
 */
#ifndef MMT_STRESS_H
#define MMT_STRESS_H

/*
 * Run a stress scenario; argv[0] is "stress", the options follow:
 *   --allocator SPEC --threads N --seconds S --seed X [--machine SPEC]
 *   [--scenario pages-mix]
 * Returns an exit code (enum mmt_exit): 0 every check held, 1 a violation
 * was found (a report was printed), 2 bad arguments, 3 environment.
 */
int mmt_stress_main(int argc, char **argv);

#endif /* MMT_STRESS_H */
