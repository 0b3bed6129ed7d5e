/* prompts.c: the five MCP prompts, each an expert workflow over the resources and tools that exist. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "json-util.h"
#include "jsonrpc.h"
#include "macro.h"
#include "prompts.h"
#include "resources.h"
#include "templates.h"
#include "tools.h"

/* One step of a workflow. A step names resources and tools in backticks;
 * it is left out unless every name in `needs` is in schedmcp's tables, so
 * a prompt never sends the model to something this build lacks, and picks
 * up new resources and tools as they are added. "{pid}", "{focus}" and
 * "{scheduler}" are replaced by the arguments. */
struct step {
	const char *text;
	const char *needs[4];
	const char *when;   /* only with this argument given ("pid", "scheduler_name"), or NULL */
	const char *unless; /* only without this argument */
	const char *focus;  /* analyze_scheduler_performance: only for this focus area (or "general") */
};

bool schedmcp_offers(const char *name)
{
	for (size_t i = 0; i < schedmcp_n_resources; i++)
		if (strcmp(schedmcp_resources[i].uri, name) == 0)
			return true;
	for (size_t i = 0; i < schedmcp_n_templates; i++)
		if (strcmp(schedmcp_templates[i].uri_template, name) == 0)
			return true;
	for (size_t i = 0; i < schedmcp_n_tools; i++)
		if (strcmp(schedmcp_tools[i].name, name) == 0)
			return true;
	return false;
}

static bool step_applies(const struct step *st, const json_t *args, const char *focus)
{
	for (size_t i = 0; i < ELEMENTSOF(st->needs) && st->needs[i]; i++)
		if (!schedmcp_offers(st->needs[i]))
			return false;
	if (st->when && !json_object_get(args, st->when))
		return false;
	if (st->unless && json_object_get(args, st->unless))
		return false;
	if (st->focus && focus && strcmp(focus, "general") != 0 && !strstr(st->focus, focus))
		return false;
	return true;
}

/* Appends text with {placeholders} replaced. */
static void append_expanded(FILE *f, const char *text, const json_t *args, const char *focus)
{
	for (const char *p = text; *p; p++) {
		const char *end;
		char key[32];

		if (*p != '{' || !(end = strchr(p, '}')) || (size_t)(end - p) >= sizeof(key)) {
			fputc(*p, f);
			continue;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(end - p - 1), p + 1);
		if (strcmp(key, "pid") == 0 || strcmp(key, "scheduler") == 0) {
			const char *v = json_string_value(
			    json_object_get(args, strcmp(key, "pid") == 0 ? "pid" : "scheduler_name"));

			fputs(v ? v : "", f);
		} else if (strcmp(key, "focus") == 0)
			fputs(focus ? focus : "general", f);
		else {
			fputc(*p, f);
			continue;
		}
		p = end;
	}
}

static char *build(const char *intro, const struct step *steps, size_t n, const char *outro,
		   const json_t *args, const char *focus)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	unsigned k = 0;

	if (!f)
		return NULL;
	append_expanded(f, intro, args, focus);
	fputs("\n\n", f);
	for (size_t i = 0; i < n; i++) {
		if (!step_applies(&steps[i], args, focus))
			continue;
		fprintf(f, "%u. ", ++k);
		append_expanded(f, steps[i].text, args, focus);
		fputc('\n', f);
	}
	fputc('\n', f);
	append_expanded(f, outro, args, focus);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The description may hold placeholders too. */
static void reply(struct mcp_request *req, const char *description, char *text, const json_t *args,
		  const char *focus)
{
	char *desc = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&desc, &size);

	if (f) {
		append_expanded(f, description, args, focus);
		if (fclose(f) != 0) {
			free(desc);
			desc = NULL;
		}
	}
	if (!text || !desc)
		mcp_request_error(req, JSONRPC_INTERNAL_ERROR, "out of memory", NULL);
	else
		mcp_request_reply_prompt(req, desc, text);
	free(text);
	free(desc);
}

#define REPORT                                                                                               \
	"Report: first a three-line verdict (is the scheduler the problem, how sure you are, what to do "    \
	"first), then each finding with the numbers that support it and the window they were measured "      \
	"over, then concrete next steps. Quote figures from the answers; never estimate a figure you could " \
	"have read. If a resource says it is unavailable, say so and go on with the others."

/* ---- analyze_scheduler_performance ---- */

static const struct step performance_steps[] = {
    {.text =
	 "Read `scheduler://current`: which scheduler runs (a sched_ext scheduler by name, or the fair "
	 "class: EEVDF on Linux 6.6+, CFS before) and, for sched_ext, whether switch_all is set (all tasks) "
	 "or only SCHED_EXT tasks are under it.",
     .needs = {"scheduler://current"}},
    {.text =
	 "Call `get_topology` (detail_level summary): CPUs online, cores, LLCs, NUMA nodes and SMT. Every "
	 "per-CPU figure below is judged against this shape.",
     .needs = {"get_topology"}},
    {.text =
	 "Read `stats://system/cpu` (the last 10 s). Busy = 100 - idle - iowait per CPU. Runnable tasks "
	 "above the online CPU count mean tasks queue for a CPU; a machine under 70% busy with no queue is "
	 "not scheduler-bound.",
     .needs = {"stats://system/cpu"}},
    {.text = "Read `stats://system/memory`: PSI cpu some avg10 above 10% is real CPU contention (above 25% "
	     "severe); PSI memory or io some avg10 above 5% means tasks stall on memory or I/O, which no "
	     "scheduler fixes: say so before blaming the scheduler.",
     .needs = {"stats://system/memory"}},
    {.text =
	 "Latency: call `measure_context_switches` with duration_secs 5. More than about 20,000 switches/s "
	 "on one CPU, or one CPU far above its LLC siblings, points at wakeup storms or too short slices.",
     .needs = {"measure_context_switches"},
     .focus = "latency"},
    {.text =
	 "Latency: read `stats://aggregated/cpu`: run-queue latency p99 above 1 ms hurts interactive work, "
	 "above 10 ms hurts almost everything; compare p99 with avg to tell rare stalls from steady "
	 "queueing.",
     .needs = {"stats://aggregated/cpu"},
     .focus = "latency"},
    {.text = "Throughput: in `stats://system/cpu` look at softirq and irq time per CPU (above 10% on one CPU "
	     "steals it from tasks: check IRQ affinity), steal time (above 5%: the hypervisor), and the "
	     "context switch and interrupt rates against the CPU count.",
     .needs = {"stats://system/cpu"},
     .focus = "throughput"},
    {.text = "Throughput: read `stats://system/cpu{?window,offset,limit}` with window=60 as well: a 10 s "
	     "window that differs much from the 60 s one is a burst, not the steady state.",
     .needs = {"stats://system/cpu{?window,offset,limit}"},
     .focus = "throughput balance"},
    {.text =
	 "Balance: group the per-CPU busy figures by LLC and by NUMA node with the topology. A spread above "
	 "30 points between the busiest and idlest CPU while tasks are runnable is imbalance; idle CPUs in "
	 "one LLC while another LLC queues is the worst kind.",
     .needs = {"stats://system/cpu", "topology://info"},
     .focus = "balance"},
    {.text =
	 "Balance: read `stats://aggregated/llc` and `stats://aggregated/node` for migrations and run-queue "
	 "latency per LLC and node.",
     .needs = {"stats://aggregated/llc", "stats://aggregated/node"},
     .focus = "balance"},
    {.text =
	 "If sched_ext runs: read `stats://scheduler/scx`. nr_rejected above 0 means tasks were refused; "
	 "growing SCX_EV_SELECT_CPU_FALLBACK or SCX_EV_DISPATCH_LOCAL_DSQ_OFFLINE counts mean the scheduler "
	 "misses idle CPUs; SCX_EV_BYPASS_* counts mean the kernel bypassed it. Then "
	 "`stats://scheduler/raw` for the scheduler's own view.",
     .needs = {"stats://scheduler/scx", "stats://scheduler/raw"}},
    {.text = "If sched_ext runs: read `stats://aggregated/dsq`: a DSQ whose depth keeps growing is not being "
	     "dispatched fast enough.",
     .needs = {"stats://aggregated/dsq"}},
    {.text = "Read `stats://aggregated/process` for the processes that take the CPU time and wait longest "
	     "to run.",
     .needs = {"stats://aggregated/process"}},
};

static void get_performance(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args,
			    void *app)
{
	const char *focus = json_string_value(json_object_get(args, "focus_area"));

	reply(
	    req, "Scheduler performance analysis, focus {focus}",
	    build("Analyze how well the Linux scheduler serves this machine, with the focus on {focus} "
		  "(latency: how long runnable tasks wait; throughput: how much useful work the CPUs do; "
		  "balance: how evenly work spreads over CPUs, LLCs and nodes; general: all three). Use the "
		  "schedmcp resources and tools named below, in this order:",
		  performance_steps, ELEMENTSOF(performance_steps), REPORT, args, focus),
	    args, focus);
}

/* ---- debug_high_latency ---- */

static const struct step latency_steps[] = {
    {.text =
	 "Check that process {pid} still runs (completion/complete of this prompt's pid lists the running "
	 "ones); if it exited, say so and analyze the machine as a whole.",
     .needs = {NULL},
     .when = "pid"},
    {.text = "Read `scheduler://current` to know which scheduler decides when tasks run.",
     .needs = {"scheduler://current"}},
    {.text =
	 "Read `stats://system/memory` first: PSI memory or io some avg10 above 5% means the latency comes "
	 "from stalls on memory or I/O, not from waiting for a CPU. PSI cpu some avg10 above 10% confirms "
	 "CPU contention.",
     .needs = {"stats://system/memory"}},
    {.text = "Read `stats://system/cpu`: CPUs above 95% busy, runnable tasks above the online CPU count, and "
	     "softirq time above 10% on a CPU (a network or timer storm that delays tasks on that CPU).",
     .needs = {"stats://system/cpu"}},
    {.text = "Call `measure_context_switches` with duration_secs 5: a CPU with far more switches than its "
	     "siblings is where wakeups pile up.",
     .needs = {"measure_context_switches"}},
    {.text = "Read `stats://aggregated/process` and find {pid}: run-queue latency p99 above 1 ms is what the "
	     "user feels; many migrations mean it bounces between CPUs and loses its cache.",
     .needs = {"stats://aggregated/process"},
     .when = "pid"},
    {.text =
	 "Read `stats://aggregated/process`: the processes with the longest run-queue latency and the ones "
	 "taking the CPU time they wait for.",
     .needs = {"stats://aggregated/process"},
     .unless = "pid"},
    {.text = "Read `stats://aggregated/cpu`: run-queue latency p99 per CPU; one CPU far above the others "
	     "points at affinity or an interrupt-heavy CPU.",
     .needs = {"stats://aggregated/cpu"}},
    {.text =
	 "Call `watch_events` for sched_wakeup and sched_switch of pid {pid} for 5 s: the time from wakeup "
	 "to switch-in is the latency itself, and prev_state shows what ran instead.",
     .needs = {"watch_events"},
     .when = "pid"},
    {.text = "Call `analyze_waker_wakee`: who wakes whom, and whether wakeups cross LLCs or nodes (slower).",
     .needs = {"analyze_waker_wakee"}},
    {.text =
	 "If sched_ext runs: `stats://scheduler/scx` (SCX_EV_SELECT_CPU_FALLBACK growing: idle CPUs missed; "
	 "nr_rejected above 0: tasks refused) and `stats://scheduler/raw`.",
     .needs = {"stats://scheduler/scx", "stats://scheduler/raw"}},
    {.text = "To trace it further, call `list_events` with subsystem sched: sched_wakeup, sched_switch and "
	     "sched_migrate_task are the tracepoints that show every step (perf sched or bpftrace can record "
	     "them).",
     .needs = {"list_events"}},
};

static void get_latency(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *app)
{
	bool pid = json_object_get(args, "pid") != NULL;

	reply(
	    req, pid ? "Debug the scheduling latency of process {pid}" : "Debug high scheduling latency",
	    build(
		pid ? "Find out why process {pid} waits too long to run, and what would fix it. Work "
		      "through these steps with the schedmcp resources and tools:"
		    : "Find out why tasks on this machine wait too long to run, and what would fix it. Work "
		      "through these steps with the schedmcp resources and tools:",
		latency_steps, ELEMENTSOF(latency_steps), REPORT, args, NULL),
	    args, NULL);
}

/* ---- analyze_cpu_imbalance ---- */

static const struct step imbalance_steps[] = {
    {.text =
	 "Read `topology://info{?detail,include_offline}` with detail=full: which CPUs share a core (SMT), "
	 "an LLC and a node, their capacities (different capacities: a hybrid machine, where unequal load "
	 "is by design) and which CPUs are offline.",
     .needs = {"topology://info{?detail,include_offline}"}},
    {.text =
	 "Read `stats://system/cpu` (10 s) and `stats://system/cpu{?window,offset,limit}` with window=60. "
	 "Busy = 100 - idle - iowait per CPU. Imbalance is a spread above 30 points between the busiest and "
	 "the idlest CPU while runnable tasks exceed the CPUs that are busy; with fewer runnable tasks than "
	 "CPUs an uneven spread is normal.",
     .needs = {"stats://system/cpu", "stats://system/cpu{?window,offset,limit}"}},
    {.text =
	 "Group the busy figures by LLC and by node. Idle CPUs in one LLC while another LLC is saturated, or "
	 "both SMT siblings busy while whole cores idle, are placement problems of the scheduler.",
     .needs = {"topology://info"}},
    {.text =
	 "A CPU busy with irq or softirq time (above 10%) is pinned interrupts, not scheduling: check IRQ "
	 "affinity and irqbalance.",
     .needs = {"stats://system/cpu"}},
    {.text =
	 "Call `measure_context_switches` with duration_secs 5 and compare the per-CPU counts the same way.",
     .needs = {"measure_context_switches"}},
    {.text =
	 "Read `stats://aggregated/llc` and `stats://aggregated/node`: migrations and run-queue latency per "
	 "LLC and node show whether the balancer moves tasks and whether waiting follows the imbalance.",
     .needs = {"stats://aggregated/llc", "stats://aggregated/node"}},
    {.text = "Read `stats://aggregated/process`: a few heavy processes with CPU affinity (or cgroup cpusets) "
	     "explain most imbalance.",
     .needs = {"stats://aggregated/process"}},
    {.text = "Read `scheduler://current`: a sched_ext scheduler places tasks itself; with one, read "
	     "`stats://scheduler/raw` for its own per-domain or per-LLC figures.",
     .needs = {"scheduler://current", "stats://scheduler/raw"}},
};

static void get_imbalance(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *app)
{
	reply(req, "CPU imbalance analysis",
	      build("Find out whether work is spread unevenly over the CPUs, LLCs and NUMA nodes of this "
		    "machine, why, and whether it matters. Use the schedmcp resources and tools below:",
		    imbalance_steps, ELEMENTSOF(imbalance_steps), REPORT, args, NULL),
	      args, NULL);
}

/* ---- investigate_scheduler_behavior ---- */

static const struct step behavior_steps[] = {
    {.text =
	 "Read `scheduler://current`. If {scheduler} is not the scheduler running, say so first: the live "
	 "figures describe the running one; describe what {scheduler} would change and how to try it "
	 "(start it, e.g. from the scx tools, then repeat these steps).",
     .needs = {"scheduler://current"},
     .when = "scheduler_name"},
    {.text = "Read `scheduler://current`: the scheduler's name, its state, enable_seq (how many times a "
	     "sched_ext "
	     "scheduler was loaded since boot) and switch_all.",
     .needs = {"scheduler://current"},
     .unless = "scheduler_name"},
    {.text = "Read `stats://scheduler/scx`: nr_rejected (tasks refused), hotplug_seq, and the SCX_EV_* event "
	     "counters; read it twice a few seconds apart, since growth matters more than totals.",
     .needs = {"stats://scheduler/scx"}},
    {.text =
	 "Read `stats://scheduler/raw`: the scheduler's own statistics and their descriptions (stats_meta); "
	 "explain each in plain words.",
     .needs = {"stats://scheduler/raw"}},
    {.text =
	 "Read `bpf://programs`: the scheduler's struct_ops programs with run counts and ns per run. An "
	 "enqueue or dispatch callback above about 1 us per run costs latency on every scheduling decision.",
     .needs = {"bpf://programs"}},
    {.text = "Call `list_events` with subsystem sched_ext (and sched): the tracepoints that can show the "
	     "scheduler's decisions on this kernel.",
     .needs = {"list_events"}},
    {.text =
	 "Call `measure_context_switches` with duration_secs 5 to see how often it switches tasks per CPU.",
     .needs = {"measure_context_switches"}},
    {.text = "Read `stats://aggregated/dsq`: per dispatch queue depth, enqueues, dispatches and latency.",
     .needs = {"stats://aggregated/dsq"}},
    {.text = "Read `stats://aggregated/cpu`: run-queue latency per CPU under this scheduler.",
     .needs = {"stats://aggregated/cpu"}},
};

static void get_behavior(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *app)
{
	bool named = json_object_get(args, "scheduler_name") != NULL;

	reply(
	    req,
	    named ? "Investigate the behavior of scheduler {scheduler}" : "Investigate the running scheduler",
	    build(named
		      ? "Investigate how the scheduler {scheduler} behaves on this machine: its policy, "
			"what it reports, and whether it does what it promises. Steps:"
		      : "Investigate how the running scheduler behaves on this machine: its policy, what it "
			"reports, and whether it does what it promises. Steps:",
		  behavior_steps, ELEMENTSOF(behavior_steps), REPORT, args, NULL),
	    args, NULL);
}

/* ---- summarize_system ---- */

static const struct step summary_steps[] = {
    {.text = "Read `collector://status`: collectord's version and which kernel features (BPF, sched_ext, "
	     "kprobes, "
	     "PSI) work here, each with the reason when not.",
     .needs = {"collector://status"}},
    {.text = "Call `get_topology`: CPUs, cores, LLCs, nodes, SMT.", .needs = {"get_topology"}},
    {.text = "Read `scheduler://current`: the scheduler and kernel release.",
     .needs = {"scheduler://current"}},
    {.text = "Read `stats://system/cpu`, `stats://system/memory` and `stats://system/network`: utilization, "
	     "pressure (PSI) and traffic over the last 10 s.",
     .needs = {"stats://system/cpu", "stats://system/memory", "stats://system/network"}},
    {.text = "Read `stats://aggregated/process`: the top processes by CPU time.",
     .needs = {"stats://aggregated/process"}},
    {.text =
	 "Read `bpf://programs`: how many BPF programs are loaded and which belong to a sched_ext scheduler.",
     .needs = {"bpf://programs"}},
};

static void get_summary(struct mcp_request *req, const struct mcp_prompt *p, const json_t *args, void *app)
{
	reply(
	    req, "Summary of this machine and its scheduler",
	    build(
		"Summarize this machine for someone about to investigate its scheduling: what it is, what "
		"runs it, and how loaded it is. Read:",
		summary_steps, ELEMENTSOF(summary_steps),
		"Answer in at most 15 lines: hardware shape, scheduler, load (busy %, runnable tasks, PSI), "
		"anything abnormal (with its number), and the one prompt of this server to run next "
		"(analyze_scheduler_performance, debug_high_latency, analyze_cpu_imbalance or "
		"investigate_scheduler_behavior).",
		args, NULL),
	    args, NULL);
}

/* ---- the table ---- */

static const char *const focus_areas[] = {"latency", "throughput", "balance", "general", NULL};

static const struct mcp_prompt_argument performance_args[] = {
    {.name = "focus_area",
     .title = "Focus area",
     .description = "latency, throughput, balance or general",
     .required = true,
     .values = focus_areas},
};

static const struct mcp_prompt_argument latency_args[] = {
    {.name = "pid",
     .title = "Process id",
     .description = "a running process to focus on (optional; completion offers running pids)",
     .check = completion_check_pid,
     .complete = completion_pids},
};

static const struct mcp_prompt_argument behavior_args[] = {
    {.name = "scheduler_name",
     .title = "Scheduler",
     .description = "a scheduler to investigate, e.g. scx_lavd or eevdf (optional: the running one)",
     .check = completion_check_scheduler,
     .complete = completion_schedulers},
};

const struct mcp_prompt schedmcp_prompts[] = {
    {.name = "analyze_scheduler_performance",
     .title = "Analyze scheduler performance",
     .description = "A step-by-step analysis of scheduling latency, throughput or balance with thresholds",
     .arguments = performance_args,
     .n_arguments = ELEMENTSOF(performance_args),
     .get = get_performance},
    {.name = "debug_high_latency",
     .title = "Debug high scheduling latency",
     .description = "Find why tasks (or one process) wait to run: contention, stalls, interrupts, placement",
     .arguments = latency_args,
     .n_arguments = ELEMENTSOF(latency_args),
     .get = get_latency},
    {.name = "analyze_cpu_imbalance",
     .title = "Analyze CPU imbalance",
     .description = "Whether load is uneven over CPUs, LLCs and nodes, why, and whether it matters",
     .get = get_imbalance},
    {.name = "investigate_scheduler_behavior",
     .title = "Investigate scheduler behavior",
     .description = "What the running (or a named) scheduler does, from its counters, stats and BPF programs",
     .arguments = behavior_args,
     .n_arguments = ELEMENTSOF(behavior_args),
     .get = get_behavior},
    {.name = "summarize_system",
     .title = "Summarize the system",
     .description = "A short summary of the hardware, scheduler and load, with what to look at next",
     .get = get_summary},
};
const size_t schedmcp_n_prompts = ELEMENTSOF(schedmcp_prompts);
