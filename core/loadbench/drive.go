// Package loadbench measures HTTP throughput and latency: a load driver
// with a fixed number of concurrent clients, and the plain net/http handler
// that is the baseline of the roster list benchmark (the same SQL and JSON
// as GET /api/v1/t/{tenant}/cadres, without gin, authentication,
// authorization or tenant scoping). `doanbd bench` runs both against the
// same database in the same run.
package loadbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape a load run.
type Options struct {
	// Clients is the number of concurrent clients, each sending its next
	// request as soon as the last one is answered (closed loop).
	Clients int
	// Warmup runs first and is not counted (connections, caches, JIT of
	// query plans).
	Warmup time.Duration
	// Duration is the measured time.
	Duration time.Duration
	// Header is sent with every request (Authorization).
	Header http.Header
}

// Result is what a run measured. Latencies are of successful requests.
type Result struct {
	Requests   int // answered 200 in the measured time
	Errors     int // other answers or failures in the measured time
	FirstError string
	Elapsed    time.Duration
	Throughput float64 // successful requests per second
	P50, P99   time.Duration
}

// Run sends GET requests for urls, in turn, from o.Clients clients.
func Run(ctx context.Context, urls []string, o Options) (Result, error) {
	if len(urls) == 0 || o.Clients <= 0 || o.Duration <= 0 {
		return Result{}, fmt.Errorf("load: need urls, clients and a duration")
	}
	tr := &http.Transport{MaxIdleConns: o.Clients, MaxIdleConnsPerHost: o.Clients, MaxConnsPerHost: o.Clients,
		IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next atomic.Uint64
	var measuring atomic.Bool
	var mu sync.Mutex
	var res Result
	var lat []time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < o.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs := 0
			first := ""
			for {
				select {
				case <-stop:
					mu.Lock()
					lat = append(lat, mine...)
					res.Errors += errs
					if res.FirstError == "" {
						res.FirstError = first
					}
					mu.Unlock()
					return
				default:
				}
				u := urls[next.Add(1)%uint64(len(urls))]
				counted := measuring.Load()
				d, err := get(ctx, client, u, o.Header)
				if !counted || !measuring.Load() {
					continue
				}
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, d)
			}
		}()
	}
	wait := func(d time.Duration) bool {
		select {
		case <-time.After(d):
			return true
		case <-ctx.Done():
			return false
		}
	}
	ok := wait(o.Warmup)
	start := time.Now()
	measuring.Store(true)
	if ok {
		ok = wait(o.Duration)
	}
	measuring.Store(false)
	res.Elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	if !ok {
		return res, ctx.Err()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.Requests = len(lat)
	res.Throughput = float64(len(lat)) / res.Elapsed.Seconds()
	res.P50, res.P99 = percentile(lat, 50), percentile(lat, 99)
	return res, nil
}

// get sends one request and reads the whole answer.
func get(ctx context.Context, c *http.Client, url string, h http.Header) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return d, nil
}

// percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[max(0, min(k, len(sorted)-1))]
}
