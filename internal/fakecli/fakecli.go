// Package fakecli is the frame shared by the fake-platform commands
// (cmd/fakewecom, cmd/fakedingtalk) and their fakes: subcommand dispatch,
// the serve loop and the test server.
package fakecli

import (
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"
)

// Main runs the subcommand named by os.Args[1] with the remaining
// arguments, and exits non-zero on a usage error or a failure.
func Main(name string, cmds map[string]func(args []string) error) {
	if len(os.Args) < 2 || cmds[os.Args[1]] == nil {
		fmt.Fprintf(os.Stderr, "usage: %s %s [flags]\n", name, strings.Join(slices.Sorted(maps.Keys(cmds)), "|"))
		os.Exit(2)
	}
	if err := cmds[os.Args[1]](os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Watch calls poll every 200 ms, for it to print what is new, until Ctrl-C.
func Watch(poll func()) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	for {
		select {
		case <-stop:
			return
		case <-time.After(200 * time.Millisecond):
			poll()
		}
	}
}

// Serve starts h on l, or on a free port of 127.0.0.1 when l is nil.
func Serve(h http.Handler, l net.Listener) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	if l != nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	return srv
}
