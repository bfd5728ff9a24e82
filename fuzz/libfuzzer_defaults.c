/*
 * The libFuzzer options every harness runs with unless its command line
 * says otherwise (linked into each fuzz_<name> of a -Dfuzzing=true build).
 *
 * -entropic_feature_frequency_threshold=16: libFuzzer's entropic schedule
 * searches, for every feature an input reaches, a list of the "rare"
 * features one entry at a time, and at the default threshold (255) that
 * list holds nearly every feature. The packet and indicator harnesses
 * reach thousands of features an input, and the search was 40 to 85 % of
 * their CPU (perf on fuzz_sensor, fuzz_flow, fuzz_stream, fuzz_intel_*),
 * not the code under test. At 16 the schedule is the same with a short
 * list: 1.8 to 7 times the inputs per CPU second, and more coverage at the
 * end of equal runs. It is set here rather than in the fuzz scripts so that a
 * harness run by hand, or by someone else's runner, fuzzes as fast.
 *
 * libFuzzer calls LLVMFuzzerInitialize before it parses its flags and
 * lets it replace argv. The default goes right after the program name,
 * so a flag given on the command line, which comes later, wins.
 */
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char threshold[] = "-entropic_feature_frequency_threshold=16";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Lives as long as the process: libFuzzer keeps argv. */
	static char **args;
	int n = *argc;
	if (args || n < 1)
		return 0;
	args = calloc((size_t)n + 2, sizeof *args);
	if (!args)
		return 0;
	args[0] = (*argv)[0];
	args[1] = threshold;
	for (int i = 1; i < n; i++)
		args[i + 1] = (*argv)[i];
	*argc = n + 1;
	*argv = args;
	return 0;
}
