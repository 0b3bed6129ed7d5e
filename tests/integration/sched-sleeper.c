/* sched-sleeper.c: a test task with a known schedule: prints its pid, waits for a line on stdin, then
 * sleeps N times for US microseconds (N voluntary context switches) and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20, us = argc > 2 ? atol(argv[2]) : 20000;
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };
	char c;

	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (read(STDIN_FILENO, &c, 1) < 0)
		return 1;
	for (long i = 0; i < n; i++)
		nanosleep(&ts, NULL);
	return 0;
}
