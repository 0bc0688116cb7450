package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"baobei/internal/metrics"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// queueCollector reads the queues and the connection pool at scrape time.
type queueCollector struct{ a *app }

var (
	inboundDepth  = prometheus.NewDesc("baobei_inbound_pending", "Incoming messages recorded and not yet processed.", nil, nil)
	inboundOldest = prometheus.NewDesc("baobei_inbound_oldest_seconds", "Age of the oldest unprocessed incoming message.", nil, nil)
	outboxDepth   = prometheus.NewDesc("baobei_outbox_pending", "Pushes waiting to be sent, by priority (1 reply, 0 notice, -1 bulk).", []string{"priority"}, nil)
	outboxOldest  = prometheus.NewDesc("baobei_outbox_oldest_seconds", "Age of the oldest pending push, by priority.", []string{"priority"}, nil)
	poolInUse     = prometheus.NewDesc("baobei_db_connections_in_use", "Database connections in use.", nil, nil)
	poolOpen      = prometheus.NewDesc("baobei_db_connections_open", "Database connections open (in use and idle).", nil, nil)
	poolWait      = prometheus.NewDesc("baobei_db_connection_waits_total", "Times a query waited for a free connection.", nil, nil)
	hooksFailing  = prometheus.NewDesc("baobei_webhooks_failing", "Webhooks with a waiting delivery that failed at least once.", nil, nil)
)

func (q queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{inboundDepth, inboundOldest, outboxDepth, outboxOldest, poolInUse, poolOpen, poolWait, hooksFailing} {
		ch <- d
	}
}

func (q queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := q.a.clock.Now()
	age := func(t *time.Time) float64 {
		if t == nil {
			return 0
		}
		return max(now.Sub(*t).Seconds(), 0)
	}
	if in, err := q.a.store.InboundDepth(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(inboundDepth, prometheus.GaugeValue, float64(in.Count))
		ch <- prometheus.MustNewConstMetric(inboundOldest, prometheus.GaugeValue, age(in.Oldest))
	}
	if out, err := q.a.store.OutboxDepth(ctx); err == nil {
		for _, p := range []int{1, 0, -1} { // every priority, zero when empty
			n, oldest := 0, 0.0
			for _, d := range out {
				if d.Priority == p {
					n, oldest = d.Count, age(d.Oldest)
				}
			}
			ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(n), strconv.Itoa(p))
			ch <- prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, oldest, strconv.Itoa(p))
		}
	}
	if fs, err := q.a.store.WebhookFailures(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(hooksFailing, prometheus.GaugeValue, float64(len(fs)))
	}
	st := q.a.store.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(st.OpenConnections))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, float64(st.WaitCount))
}

// metricsHandler serves the shared collectors and this app's queue gauges.
func metricsHandler(a *app) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(queueCollector{a})
	return promhttp.HandlerFor(prometheus.Gatherers{metrics.Registry, reg}, promhttp.HandlerOpts{})
}
