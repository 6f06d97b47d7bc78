/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 hvnet authors
 *
 * Scenario control: the command table, timed commands (--at) and the
 * control socket (--control). See control.h.
 *
 * Everything runs on the host thread, from the host loop: a command
 * changes the host between two rounds of NIC work, as a hypervisor's
 * management call would.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/control.h"
#include "cli/report.h"
#include "guestos/hvns.h"
#include "util.h"
#include "vf/vf.h"
#include "vmbus/nic.h"
#include "vsp/vsp.h"
#include "wire/vswitch.h"

#define MAX_ARGS	8
#define MAX_AT		64
#define MAX_CLIENTS	8
#define LINE_MAX_LEN	1024
#define QUIT_GRACE_NS	(5ull * 1000000000u)
/* The socket is looked at this often, so the host loop stays cheap. */
#define SOCKET_POLL_NS	(1000 * 1000)

struct ctl_client {
	int fd;
	char in[LINE_MAX_LEN];
	size_t inlen;
	bool overlong;		/* the current line did not fit: answer an error */
	char *out;		/* answers not yet sent */
	size_t outlen, outoff;
};

struct ctl_at {
	bool from_ready;	/* counted from guest readiness, not from start */
	uint64_t after_ns;
	char *line;
	bool done;
};

struct hvsim_control {
	struct hvsim_nic *nics;
	int nnics;
	struct hvsim_vswitch *vs;
	bool checking;		/* parse only: a --at command is being checked */
	uint64_t start_ns, ready_ns, next_socket_ns;
	struct ctl_at at[MAX_AT];
	unsigned int nat, at_left;
	char *path;		/* socket path, NULL without --control */
	int lfd;
	struct ctl_client clients[MAX_CLIENTS];
	pid_t guest;
	uint64_t quit_ns;	/* when quit was asked (0: not) */
	bool killed;
};

/* One command: name, usage, argument count and handler. A handler parses
 * its arguments, returns at once when ctl->checking, then acts. It returns
 * 0 (answered "ok"), 1 (it wrote its own answer line to out) or -1 (it
 * wrote "error: ..." with ctl_fail()). */
struct ctl_cmd {
	const char *name;
	const char *usage;
	int nargs;		/* exact; -N: 1 to N (the handler checks) */
	int (*run)(struct hvsim_control *ctl, char **argv, FILE *out);
};

static int __attribute__((format(printf, 2, 3)))
ctl_fail(FILE *out, const char *fmt, ...)
{
	va_list ap;

	fputs("error: ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno || end == s || *end || *v > max) ? -EINVAL : 0;
}

static struct hvsim_nic *
arg_nic(struct hvsim_control *ctl, const char *s, FILE *out)
{
	uint64_t i;

	if (parse_u64(s, INT32_MAX, &i) < 0 || i >= (uint64_t)ctl->nnics) {
		ctl_fail(out, "no NIC %s (there are %d)", s, ctl->nnics);
		return NULL;
	}
	return &ctl->nics[i];
}

/* ---- commands --------------------------------------------------------------- */

static int
cmd_link(struct hvsim_control *ctl, char **argv, FILE *out)
{
	struct hvsim_nic *nic = arg_nic(ctl, argv[1], out);
	bool up = strcmp(argv[2], "up") == 0;

	if (nic == NULL)
		return -1;
	if (!up && strcmp(argv[2], "down") != 0)
		return ctl_fail(out, "link state is up or down, not %s", argv[2]);
	if (!ctl->checking)
		vsp_status_set_link(nic, up);
	return 0;
}

static int
cmd_speed(struct hvsim_control *ctl, char **argv, FILE *out)
{
	struct hvsim_nic *nic = arg_nic(ctl, argv[1], out);
	uint64_t mbps;

	if (nic == NULL)
		return -1;
	/* the OID and the indication carry a u32 in units of 100 bit/s */
	if (parse_u64(argv[2], UINT32_MAX / 10000, &mbps) < 0 || mbps == 0)
		return ctl_fail(out, "speed is in Mbit/s, 1 to %u", UINT32_MAX / 10000);
	if (!ctl->checking)
		vsp_status_set_speed(nic, mbps);
	return 0;
}

static int
cmd_delay(struct hvsim_control *ctl, char **argv, FILE *out)
{
	struct hvsim_nic *nic = arg_nic(ctl, argv[1], out);
	bool never = strcmp(argv[2], "never") == 0;
	uint64_t ms = 0;

	if (nic == NULL)
		return -1;
	if (!never && parse_u64(argv[2], 3600 * 1000, &ms) < 0)
		return ctl_fail(out, "delay is milliseconds (at most an hour) or never");
	if (ctl->checking)
		return 0;
	if (never)
		vsp_slowhost_set_muted(nic, true);
	else
		vsp_slowhost_set_delay(nic, (uint32_t)ms);
	return 0;
}

static int
set_mute(struct hvsim_control *ctl, char **argv, FILE *out, bool muted)
{
	struct hvsim_nic *nic = arg_nic(ctl, argv[1], out);

	if (nic == NULL)
		return -1;
	if (!ctl->checking)
		vsp_slowhost_set_muted(nic, muted);
	return 0;
}

static int
cmd_mute(struct hvsim_control *ctl, char **argv, FILE *out)
{
	return set_mute(ctl, argv, out, true);
}

static int
cmd_unmute(struct hvsim_control *ctl, char **argv, FILE *out)
{
	return set_mute(ctl, argv, out, false);
}

static int
cmd_stats(struct hvsim_control *ctl, char **argv, FILE *out)
{
	if (ctl->checking)
		return 0;
	hvsim_stats_json(out, ctl->nics, ctl->nnics, ctl->vs);
	return 1;	/* the document's line breaks are folded into one line */
}

static int
cmd_quit(struct hvsim_control *ctl, char **argv, FILE *out)
{
	if (ctl->checking)
		return 0;
	if (ctl->guest <= 0)
		return ctl_fail(out, "no guest running");
	if (ctl->quit_ns == 0) {
		ctl->quit_ns = now_ns();
		kill(ctl->guest, SIGTERM);
	}
	return 0;
}

static const char *const rsc_fault_names[] = {
	[HVSIM_RSC_FAULT_NONE] = "none",
	[HVSIM_RSC_FAULT_NOSTART] = "nostart",
	[HVSIM_RSC_FAULT_ID] = "id",
	[HVSIM_RSC_FAULT_NOLAST] = "nolast",
	[HVSIM_RSC_FAULT_SHORT] = "short",
	[HVSIM_RSC_FAULT_TOOMANY] = "toomany",
};

/* Break the next COUNT coalesced packets of NIC N (§F.6 rules). */
static int
cmd_rsc_fault(struct hvsim_control *ctl, char **argv, FILE *out)
{
	struct hvsim_nic *nic = arg_nic(ctl, argv[1], out);
	uint64_t count;
	unsigned int k;

	if (nic == NULL)
		return -1;
	for (k = 0; k < sizeof(rsc_fault_names) / sizeof(rsc_fault_names[0]); k++)
		if (strcmp(argv[2], rsc_fault_names[k]) == 0)
			break;
	if (k == sizeof(rsc_fault_names) / sizeof(rsc_fault_names[0]))
		return ctl_fail(out, "fault is none, nostart, id, nolast, short or toomany");
	if (parse_u64(argv[3], UINT32_MAX, &count) < 0)
		return ctl_fail(out, "count is a number of coalesced packets");
	if (!ctl->checking) {
		vsp_rsc_set_fault(nic, (enum hvsim_rsc_fault)k, (uint32_t)count);
	}
	return 0;
}

/* corrupt KIND PERCENT: every NIC corrupts that share of what it sends
 * the guest (vsp/corrupt.c); "corrupt all 0" makes the host honest again */
static int
cmd_corrupt(struct hvsim_control *ctl, char **argv, FILE *out)
{
	int kind = vsp_corrupt_kind(argv[1]), i;
	uint32_t ppm;

	if (kind < 0)
		return ctl_fail(out, "kind is descriptor, xfer, rndis, ppi, completion, nvsp, "
				"status, inband, indices or all, not %s", argv[1]);
	if (vsp_corrupt_percent(argv[2], &ppm) < 0)
		return ctl_fail(out, "percent is a number from 0 to 100 (0.5 allowed)");
	if (!ctl->checking)
		for (i = 0; i < ctl->nnics; i++)
			vsp_corrupt_set(&ctl->nics[i], (unsigned int)kind, ppm);
	return 0;
}

/* gen KEY=VALUE,...: the generator's next batch (wire/gen.c) */
static int
cmd_gen(struct hvsim_control *ctl, char **argv, FILE *out)
{
	int ret = hvsim_vswitch_wire_command(ctl->vs, "gen", argv[1], ctl->checking);

	if (ret == -ENOENT)
		return ctl_fail(out, "no generator on the wire (--traffic=gen)");
	if (ret < 0)
		return ctl_fail(out, "gen %s: expected the settings --traffic=gen takes", argv[1]);
	return 0;
}

/* The NICs a vf command names: the one given, or all of them. */
static int
vf_targets(struct hvsim_control *ctl, const char *arg, FILE *out, int *first, int *last)
{
	struct hvsim_nic *nic;

	if (arg == NULL) {
		*first = 0;
		*last = ctl->nnics - 1;
		return 0;
	}
	nic = arg_nic(ctl, arg, out);
	if (nic == NULL)
		return -1;
	*first = *last = nic->index;
	return 0;
}

static int
vf_switch_args(char **argv, FILE *out, enum hvsim_vf_switch_mode *mode, uint64_t *ms,
	       int *nic_arg)
{
	*ms = 0;
	*nic_arg = 3;
	if (argv[2] == NULL)
		return ctl_fail(out, "usage: vf switch ok|late MS|never|fail [NIC]");
	if (strcmp(argv[2], "ok") == 0) {
		*mode = HVSIM_VF_SWITCH_OK;
	} else if (strcmp(argv[2], "never") == 0) {
		*mode = HVSIM_VF_SWITCH_NEVER;
	} else if (strcmp(argv[2], "fail") == 0) {
		*mode = HVSIM_VF_SWITCH_FAIL;
	} else if (strcmp(argv[2], "late") == 0) {
		*mode = HVSIM_VF_SWITCH_LATE;
		if (argv[3] == NULL || parse_u64(argv[3], 600000, ms) < 0)
			return ctl_fail(out, "vf switch late takes milliseconds (at most 600000)");
		*nic_arg = 4;
	} else {
		return ctl_fail(out, "vf switch takes ok, late MS, never or fail");
	}
	return 0;
}

/* One vf action on one NIC: 0, or -1 with the reason written. */
static int
vf_act(struct hvsim_control *ctl, char **argv, int i, FILE *out)
{
	struct hvsim_vf *vf = ctl->nics[i].vf;
	const char *verb = argv[1];
	int ret;

	if (vf == NULL)
		return ctl_fail(out, "NIC %d has no VF room", i);
	if (strcmp(verb, "add") == 0)
		ret = hvsim_vf_add(vf);
	else if (strcmp(verb, "remove") == 0)
		ret = hvsim_vf_remove(vf);
	else if (strcmp(verb, "surprise") == 0)
		ret = hvsim_vf_surprise(vf);
	else
		ret = hvsim_vf_recover(vf, strcmp(argv[2], "ok") == 0);
	if (ret == -EEXIST)
		return ctl_fail(out, "NIC %d already has a VF (vf remove first)", i);
	if (ret == -ENODEV)
		return ctl_fail(out, "NIC %d has no VF to %s (vf add first)", i, verb);
	return ret < 0 ? ctl_fail(out, "vf %s on NIC %d: %s", verb, i, strerror(-ret)) : 0;
}

/* vf add|remove|surprise [NIC], vf recover ok|fail [NIC],
 * vf switch ok|late MS|never|fail [NIC] (vf/vf.h) */
static int
cmd_vf(struct hvsim_control *ctl, char **argv, FILE *out)
{
	enum hvsim_vf_switch_mode mode = HVSIM_VF_SWITCH_OK;
	const char *verb = argv[1];
	int nic_arg = 2, first, last, i;
	uint64_t ms = 0;

	if (strcmp(verb, "switch") == 0) {
		if (vf_switch_args(argv, out, &mode, &ms, &nic_arg) < 0)
			return -1;
	} else if (strcmp(verb, "recover") == 0) {
		if (argv[2] == NULL || (strcmp(argv[2], "ok") && strcmp(argv[2], "fail")))
			return ctl_fail(out, "usage: vf recover ok|fail [NIC]");
		nic_arg = 3;
	} else if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "surprise")) {
		return ctl_fail(out, "vf takes add, remove, surprise, recover or switch");
	}
	if (argv[nic_arg] != NULL && argv[nic_arg + 1] != NULL)
		return ctl_fail(out, "too many words after vf %s", verb);
	if (vf_targets(ctl, argv[nic_arg], out, &first, &last) < 0)
		return -1;
	if (ctl->checking)
		return 0;
	for (i = first; i <= last; i++) {
		if (strcmp(verb, "switch") == 0)
			hvsim_vf_set_switch_mode(ctl->nics[i].vf, mode, (uint32_t)ms);
		else if (vf_act(ctl, argv, i, out) < 0)
			return -1;
	}
	return 0;
}

/* ---- device lifecycle: rescind and re-offer --------------------------------- */

/* The lowest /dev/uio minor no present device holds: what the kernel's
 * uio core gives a new device (idr_alloc from 0). */
static int
free_uio_num(const struct hvsim_control *ctl)
{
	int num, i;

	for (num = 0;; num++) {
		for (i = 0; i < ctl->nnics; i++)
			if (!ctl->nics[i].rescinded && ctl->nics[i].cfg.spec.uio_num == num)
				break;
		if (i == ctl->nnics)
			return num;
	}
}

/* A primary relid no present device uses (with its subchannels' relids)
 * and not the one the device had: the host hands out a new one. */
static uint32_t
fresh_relid(const struct hvsim_control *ctl, const struct hvsim_nic *nic)
{
	uint32_t relid;
	int i;

	for (relid = 14;; relid += HVSIM_MAX_CHANNELS) {
		if (relid == nic->cfg.spec.relid)
			continue;
		for (i = 0; i < ctl->nnics; i++)
			if (!ctl->nics[i].rescinded && ctl->nics[i].cfg.spec.relid == relid)
				break;
		if (i == ctl->nnics)
			return relid;
	}
}

/* rescind [N] / reoffer [N]: one NIC, or every NIC it applies to. */
static int
lifecycle(struct hvsim_control *ctl, char **argv, FILE *out, bool rescind)
{
	int first, last, i, done = 0, ret;

	if (vf_targets(ctl, argv[1], out, &first, &last) < 0)
		return -1;
	if (ctl->checking)
		return 0;	/* the state is the one when it runs (--at) */
	if (argv[1] != NULL && ctl->nics[first].rescinded == rescind)
		return ctl_fail(out, "NIC %d is %s", first, rescind ? "already rescinded" :
			       "present (rescind it first)");
	for (i = first; i <= last; i++) {
		struct hvsim_nic *nic = &ctl->nics[i];

		if (nic->rescinded == rescind)
			continue;
		ret = rescind ? hvsim_nic_rescind(nic, "/sys/bus") :
				hvsim_nic_reoffer(nic, "/sys/bus", free_uio_num(ctl),
						  fresh_relid(ctl, nic));
		if (ret < 0)
			return ctl_fail(out, "NIC %d: %s", i, strerror(-ret));
		done++;
	}
	if (done == 0)
		return ctl_fail(out, "no NIC to %s", rescind ? "rescind" : "offer again");
	return 0;
}

static int
cmd_rescind(struct hvsim_control *ctl, char **argv, FILE *out)
{
	return lifecycle(ctl, argv, out, true);
}

static int
cmd_reoffer(struct hvsim_control *ctl, char **argv, FILE *out)
{
	return lifecycle(ctl, argv, out, false);
}

static int cmd_help(struct hvsim_control *ctl, char **argv, FILE *out);

static const struct ctl_cmd commands[] = {
	{ "link", "N up|down", 2, cmd_link },
	{ "speed", "N MBPS", 2, cmd_speed },
	{ "delay", "N MS|never", 2, cmd_delay },
	{ "mute", "N", 1, cmd_mute },
	{ "unmute", "N", 1, cmd_unmute },
	{ "rsc-fault", "N none|nostart|id|nolast|short|toomany COUNT", 3, cmd_rsc_fault },
	{ "corrupt", "descriptor|xfer|rndis|ppi|completion|nvsp|status|inband|indices|all PERCENT",
	  2, cmd_corrupt },
	{ "gen", "KEY=VALUE,...", 1, cmd_gen },
	{ "vf", "add|remove|surprise [N] | recover ok|fail [N] | switch ok|late MS|never|fail [N]",
	  -4, cmd_vf },
	/* device lifecycle (rescind and re-offer) */
	{ "rescind", "[N]", -1, cmd_rescind },
	{ "reoffer", "[N]", -1, cmd_reoffer },
	{ "stats", "", 0, cmd_stats },
	{ "quit", "", 0, cmd_quit },
	{ "help", "", 0, cmd_help },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static int
cmd_help(struct hvsim_control *ctl, char **argv, FILE *out)
{
	unsigned int i;

	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s%s%s%s", i ? "; " : "", commands[i].name,
			*commands[i].usage ? " " : "", commands[i].usage);
	return 1;
}

/* ---- running a line ------------------------------------------------------------ */

static int
split(char *line, char **argv)
{
	char *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_ARGS)
			return -E2BIG;
		argv[argc++] = tok;
	}
	return argc;
}

/* With a variable count, a usage that starts with '[' takes none at all. */
static int
min_args(const struct ctl_cmd *cmd)
{
	return cmd->usage[0] == '[' ? 0 : 1;
}

static int
dispatch(struct hvsim_control *ctl, char *line, FILE *out)
{
	char *argv[MAX_ARGS + 1] = { NULL };
	int argc = split(line, argv);
	unsigned int i;

	if (argc <= 0)
		return ctl_fail(out, argc == 0 ? "empty command" : "too many words");
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (commands[i].nargs < 0 ? argc - 1 < min_args(&commands[i]) ||
					    argc - 1 > -commands[i].nargs :
		    argc - 1 != commands[i].nargs)
			return ctl_fail(out, "usage: %s %s", commands[i].name, commands[i].usage);
		return commands[i].run(ctl, argv, out);
	}
	return ctl_fail(out, "unknown command %s (try help)", argv[0]);
}

/* One line, no line break inside: the protocol is a line per answer.
 * A line break and the next line's indentation become one space. */
static void
fold_lines(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (*r != '\n') {
			*w++ = *r++;
			continue;
		}
		while (*r == '\n' || *r == ' ')
			r++;
		if (*r != '\0' && w > s)
			*w++ = ' ';
	}
	*w = '\0';
}

void
hvsim_control_run(struct hvsim_control *ctl, const char *line, char **reply)
{
	char *copy = strdup(line), *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int ret;

	if (copy == NULL || out == NULL) {
		free(copy);
		if (out != NULL)
			fclose(out);
		free(buf);
		*reply = strdup("error: out of memory");
		return;
	}
	ret = dispatch(ctl, copy, out);
	if (ret == 0)
		fputs("ok", out);
	fclose(out);
	free(copy);
	fold_lines(buf);
	*reply = buf;
}

/* Parse-check a command without acting (for --at at start-up). */
static int
check_command(struct hvsim_control *ctl, const char *line)
{
	char *reply;
	int bad;

	ctl->checking = true;
	hvsim_control_run(ctl, line, &reply);
	ctl->checking = false;
	bad = reply == NULL || strncmp(reply, "error", 5) == 0;
	if (bad)
		fprintf(stderr, "hvsim: --at command \"%s\": %s\n", line,
			reply ? reply : "out of memory");
	free(reply);
	return bad ? -EINVAL : 0;
}

static void
run_logged(struct hvsim_control *ctl, const char *origin, const char *line, char **reply)
{
	hvsim_control_run(ctl, line, reply);
	fprintf(stderr, "hvsim: control (%s, %.3f s): %s -> %.80s%s\n", origin,
		(double)(now_ns() - ctl->start_ns) / 1e9, line, *reply ? *reply : "error",
		*reply && strlen(*reply) > 80 ? " ..." : "");
}

/* ---- timed commands ------------------------------------------------------------ */

int
hvsim_control_at(struct hvsim_control *ctl, const char *spec)
{
	const char *colon = strchr(spec, ':'), *when = spec;
	struct ctl_at *a;
	double secs;
	char *end;

	if (ctl->nat == MAX_AT || colon == NULL) {
		fprintf(stderr, "hvsim: --at=%s: expected [ready+]SECONDS:COMMAND (at most %d)\n",
			spec, MAX_AT);
		return -EINVAL;
	}
	a = &ctl->at[ctl->nat];
	a->from_ready = strncmp(when, "ready+", 6) == 0;
	if (a->from_ready)
		when += 6;
	secs = strtod(when, &end);
	if (end == when || end != colon || !(secs >= 0 && secs < 86400)) {
		fprintf(stderr, "hvsim: --at=%s: bad time before ':'\n", spec);
		return -EINVAL;
	}
	if (check_command(ctl, colon + 1) < 0)
		return -EINVAL;
	a->after_ns = (uint64_t)(secs * 1e9);
	a->line = strdup(colon + 1);
	if (a->line == NULL)
		return -ENOMEM;
	ctl->nat++;
	ctl->at_left++;
	return 0;
}

/* Every NIC has been started by the guest (RNDIS up, a filter set). */
static bool
guest_ready(const struct hvsim_control *ctl)
{
	int i;

	for (i = 0; i < ctl->nnics; i++)
		if (ctl->nics[i].rndis_state != HVSIM_RNDIS_DATA)
			return false;
	return true;
}

static unsigned int
run_due(struct hvsim_control *ctl, uint64_t now)
{
	unsigned int i, n = 0;
	char *reply;

	if (ctl->ready_ns == 0 && guest_ready(ctl)) {
		ctl->ready_ns = now;
		fprintf(stderr, "hvsim: control: guest ready after %.3f s\n",
			(double)(now - ctl->start_ns) / 1e9);
	}
	/* in the order given, so equal times keep the command line's order */
	for (i = 0; i < ctl->nat; i++) {
		struct ctl_at *a = &ctl->at[i];
		uint64_t base = a->from_ready ? ctl->ready_ns : ctl->start_ns;

		if (a->done || base == 0 || now < base + a->after_ns)
			continue;
		a->done = true;
		ctl->at_left--;
		run_logged(ctl, "at", a->line, &reply);
		free(reply);
		n++;
	}
	return n;
}

/* ---- the socket ------------------------------------------------------------------ */

struct bind_req {
	int fd;
	const char *path;
};

/* In the host's mount namespace, so that the path is the one the test sees. */
static int
bind_in_host(void *arg)
{
	struct bind_req *b = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(b->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, b->path);
	/* a socket left by an hvsim that was killed */
	if (lstat(b->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(b->path);
	if (bind(b->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int
unlink_in_host(void *arg)
{
	return unlink((const char *)arg) < 0 ? -errno : 0;
}

/* The socket is bound from the host's root directory: make a relative
 * path absolute first. */
static char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, path) < 0)
		return NULL;
	return abs;
}

static int
open_socket(struct hvsim_control *ctl, const char *arg)
{
	char *path = absolute(arg);
	struct bind_req b = { .path = path };
	int ret;

	if (path == NULL)
		return -ENOMEM;

	b.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ret = b.fd < 0 ? -errno : hvns_in_host(bind_in_host, &b);
	if (ret == 0 && listen(b.fd, MAX_CLIENTS) < 0)
		ret = -errno;
	if (ret < 0) {
		if (b.fd >= 0)
			close(b.fd);
		free(path);
		return ret;
	}
	ctl->lfd = b.fd;
	ctl->path = path;
	return 0;
}

static void
client_close(struct ctl_client *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
client_queue(struct ctl_client *c, const char *reply)
{
	size_t n = strlen(reply);
	char *out = realloc(c->out, c->outlen + n + 1);

	if (out == NULL)
		return;
	memcpy(out + c->outlen, reply, n);
	out[c->outlen + n] = '\n';
	c->out = out;
	c->outlen += n + 1;
}

/* Send what is pending; false when the client went away. */
static bool
client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	return true;
}

/* Run every complete line received; an over-long line gets an error. */
static unsigned int
client_lines(struct hvsim_control *ctl, struct ctl_client *c)
{
	unsigned int n = 0;
	char *nl, *reply;

	while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		*nl = '\0';
		if (c->overlong) {
			client_queue(c, "error: line too long");
			c->overlong = false;
		} else {
			run_logged(ctl, "socket", c->in, &reply);
			client_queue(c, reply ? reply : "error: out of memory");
			free(reply);
		}
		c->inlen -= (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->inlen);
		n++;
	}
	if (c->inlen == sizeof(c->in)) {	/* no newline in a full buffer */
		c->overlong = true;
		c->inlen = 0;
	}
	return n;
}

static unsigned int
client_poll(struct hvsim_control *ctl, struct ctl_client *c)
{
	ssize_t got;

	if (!client_flush(c)) {
		client_close(c);
		return 0;
	}
	if (c->outlen > 0)
		return 0;	/* the client reads first */
	got = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return 0;
	}
	if (got < 0)
		return 0;
	c->inlen += (size_t)got;
	return client_lines(ctl, c);
}

static void
accept_clients(struct hvsim_control *ctl)
{
	int fd, i;

	while ((fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < MAX_CLIENTS && ctl->clients[i].fd >= 0; i++)
			;
		if (i == MAX_CLIENTS) {
			send(fd, "error: too many clients\n", 24, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		ctl->clients[i].fd = fd;
	}
}

static unsigned int
serve_socket(struct hvsim_control *ctl)
{
	unsigned int n = 0;
	int i;

	accept_clients(ctl);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i].fd >= 0)
			n += client_poll(ctl, &ctl->clients[i]);
	return n;
}

/* ---- life cycle -------------------------------------------------------------------- */

struct hvsim_control *
hvsim_control_create(const char *socket_path, struct hvsim_nic *nics, int nnics,
		     struct hvsim_vswitch *vs)
{
	struct hvsim_control *ctl = calloc(1, sizeof(*ctl));
	int i, ret;

	if (ctl == NULL)
		return NULL;
	ctl->nics = nics;
	ctl->nnics = nnics;
	ctl->vs = vs;
	ctl->lfd = -1;
	ctl->start_ns = now_ns();
	for (i = 0; i < MAX_CLIENTS; i++)
		ctl->clients[i].fd = -1;
	if (socket_path != NULL && (ret = open_socket(ctl, socket_path)) < 0) {
		fprintf(stderr, "hvsim: cannot listen on --control=%s: %s\n", socket_path,
			strerror(-ret));
		free(ctl);
		return NULL;
	}
	return ctl;
}

void
hvsim_control_set_guest(struct hvsim_control *ctl, pid_t pid)
{
	if (ctl != NULL)
		ctl->guest = pid;
}

/* quit: the guest had its grace period to exit cleanly. */
static void
enforce_quit(struct hvsim_control *ctl, uint64_t now)
{
	if (ctl->quit_ns == 0 || ctl->killed || now < ctl->quit_ns + QUIT_GRACE_NS)
		return;
	fprintf(stderr, "hvsim: control: the guest ignored SIGTERM: SIGKILL\n");
	kill(ctl->guest, SIGKILL);
	ctl->killed = true;
}

unsigned int
hvsim_control_poll(struct hvsim_control *ctl)
{
	unsigned int n = 0;
	uint64_t now;

	if (ctl == NULL)
		return 0;
	now = now_ns();
	if (ctl->at_left > 0 || ctl->ready_ns == 0)
		n += run_due(ctl, now);
	if (ctl->lfd >= 0 && now >= ctl->next_socket_ns) {
		ctl->next_socket_ns = now + SOCKET_POLL_NS;
		n += serve_socket(ctl);
	}
	enforce_quit(ctl, now);
	return n;
}

void
hvsim_control_destroy(struct hvsim_control *ctl)
{
	unsigned int i;

	if (ctl == NULL)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (ctl->clients[i].fd >= 0)
			client_close(&ctl->clients[i]);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		hvns_in_host(unlink_in_host, ctl->path);
	}
	for (i = 0; i < ctl->nat; i++)
		free(ctl->at[i].line);
	free(ctl->path);
	free(ctl);
}
