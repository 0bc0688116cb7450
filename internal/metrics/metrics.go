// Package metrics holds every Prometheus collector baobei exports on
// /metrics, so that the README's list of metrics has one place to be checked
// against. Gauges that read the database (queue depths, pool use) are
// collected at scrape time by cmd/baobei.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Registry is what /metrics serves.
var Registry = prometheus.NewRegistry()

var (
	// Commands counts handled messages by command name and outcome (ok,
	// an error code, replayed, internal).
	Commands = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_commands_total", Help: "Chat commands handled, by command and outcome.",
	}, []string{"command", "outcome"})
	// CommandSeconds is the time from dispatch to commit of one message.
	CommandSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "baobei_command_duration_seconds", Help: "Time to handle one chat command, until its transaction committed.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"command"})
	// Pushes counts platform sends by platform and result (sent, retry, dead, deferred).
	Pushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_pushes_total", Help: "Outbox rows handled by the pusher, by platform and result.",
	}, []string{"platform", "result"})
	// PlatformErrors counts platform API errors by platform and error code.
	PlatformErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_platform_api_errors_total", Help: "Platform API calls that failed, by platform and error code.",
	}, []string{"platform", "code"})
	// JobRuns counts scheduler job runs by job and result (ok, failed).
	JobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_job_runs_total", Help: "Scheduler job slots run, by job and result.",
	}, []string{"job", "result"})
	// JobSeconds is how long a job's slot took.
	JobSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "baobei_job_duration_seconds", Help: "Time one scheduler job slot took.",
		Buckets: []float64{.01, .1, .5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"job"})
	// JobFailures is the number of failed attempts of a job's oldest
	// unfinished slot (0 once it ran); 3 or more is an alert.
	JobFailures = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "baobei_job_consecutive_failures", Help: "Failed attempts of the job's oldest slot that has not run yet.",
	}, []string{"job"})
	// WebhookDeliveries counts webhook deliveries handled by result (sent,
	// retry, dead: the webhook was removed, deferred: behind a failed one).
	WebhookDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_webhook_deliveries_total", Help: "Webhook deliveries handled by the pusher, by result.",
	}, []string{"result"})
	// InboundRejected counts callbacks that could not be recorded, by platform and reason.
	InboundRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "baobei_inbound_rejected_total", Help: "Incoming messages answered with an error instead of being recorded, by platform and reason.",
	}, []string{"platform", "reason"})
)

func init() {
	Registry.MustRegister(Commands, CommandSeconds, Pushes, PlatformErrors, JobRuns, JobSeconds, JobFailures, InboundRejected, WebhookDeliveries,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}
