/* Signal names as options and the command spell them (see signame.h). */
#include "signame.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lt_signal_parse(const char *s)
{
	if (!s || !*s || !strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "none"))
		return 0;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	static const struct { const char *n; int v; } names[] = {
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "HUP", SIGHUP }, { "WINCH", SIGWINCH },
		{ "URG", SIGURG }, { "PWR", SIGPWR }, { "PROF", SIGPROF }, { "VTALRM", SIGVTALRM },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i].n))
			return names[i].v;
	char *end;
	if (!strncmp(s, "RTMIN", 5)) {
		long off = 0;
		if (s[5] == '+') {
			off = strtol(s + 6, &end, 10);
			if (*end || off < 0)
				return -1;
		} else if (s[5]) {
			return -1;
		}
		return SIGRTMIN + off <= SIGRTMAX ? (int)(SIGRTMIN + off) : -1;
	}
	long v = strtol(s, &end, 10);
	if (*end || v <= 0 || v >= NSIG || v == SIGKILL || v == SIGSTOP)
		return -1;
	return (int)v;
}

const char *lt_signal_name(int sig, char *buf, size_t cap)
{
	static const struct { int v; const char *n; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
		{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
		{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
		{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" },
		{ SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" }, { SIGSYS, "SIGSYS" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].v == sig)
			return names[i].n;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, cap, sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, cap, "signal %d", sig);
	return buf;
}
