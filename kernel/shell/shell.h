#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

#define SHELL_LINE_MAX 256
#define SHELL_MAX_ARGS 16

struct shell_command {
	const char *name;
	const char *args; /* usage, e.g. "<pid>" */
	const char *help;
	int (*fn)(int argc, char **argv);
};

/* Read, run and repeat, on the console. Never returns. */
__attribute__((noreturn)) void shell_run(void);
/* Run one command line (also used by tests); returns the command's status. */
int shell_exec(char *line);

#endif
