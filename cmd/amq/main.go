// Command amq is the broker and its tools, with ActiveMQ's verbs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"amq/broker"
	"amq/internal/auth"
	"amq/internal/loadtool"
	"amq/internal/mgmtcli"
	"amq/internal/migrate"
)

const usage = `Usage: amq <command> [options]

Broker:
  console    run the broker in the foreground (logs to stderr)
  start      run the broker in the background (pid and log in the data directory)
  stop       stop a background broker
  restart    stop, then start
  status     tell whether a background broker is running
  validate   check an activemq.xml without starting
  version    print the version

Clients (STOMP):
  producer   send messages   (--brokerUrl stomp://localhost:61613 --destination queue://TEST ...)
  consumer   receive messages

Management (over the console's HTTP API; --url http://127.0.0.1:8161 --user --password):
  dstat      destination statistics (queues|topics)
  bstat      broker statistics
  query      -QQueue=NAME / -QTopic=NAME attributes
  browse     [--msgsel SELECTOR] QUEUE
  purge      [--msgsel SELECTOR] QUEUE

Tools:
  migrate    move queued messages from a running ActiveMQ over STOMP
             (--from stomp://old-host:61613 [--queues PATTERN] [--dry-run])
  encrypt    --password P --input TEXT   encrypt a value for ENC(...) in properties files
  decrypt    --password P --input ENC    decrypt one

Common options for broker commands:
  --config FILE    activemq.xml to run (default: the built-in configs/activemq.xml)
  -Dname=value     set a property for ${name} placeholders (e.g. -Dactivemq.data=/var/lib/amq)

Run 'amq <command> --help' for a command's options.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	// A hang-up stops as SIGTERM does: the JVM runs ActiveMQ's shutdown hook
	// on SIGHUP, and Go's default would exit at once with the store open.
	// Under nohup (SIGHUP ignored at start) it stays ignored.
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	var err error
	switch cmd {
	case "console":
		err = runConsole(ctx, rest, stdout, stderr)
	case "start":
		err = runStart(rest, stdout, stderr)
	case "stop":
		err = runStop(rest, stdout, stderr)
	case "restart":
		// Parsed as "restart", not "stop": the start that follows takes
		// --web and --metrics-auth, which stop alone does not know.
		if err = stopBroker("restart", rest, stdout, stderr); err == nil {
			err = runStart(rest, stdout, stderr)
		}
	case "status":
		err = runStatus(rest, stdout, stderr)
	case "validate":
		err = runValidate(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "amq %s (ActiveMQ %s compatible)\n", version, broker.Version)
	case "producer":
		loadGeneratorRuntime(loadtool.Connections(cmd, rest))
		err = loadtool.RunProducer(ctx, rest, stdout, stderr)
	case "consumer":
		loadGeneratorRuntime(loadtool.Connections(cmd, rest))
		err = loadtool.RunConsumer(ctx, rest, stdout, stderr)
	case "dstat", "bstat", "query", "browse", "purge":
		err = mgmtcli.Run(ctx, cmd, rest, stdout, stderr)
		var ue *mgmtcli.UsageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "amq "+cmd+": "+ue.Error())
			return 2
		}
	case "migrate":
		err = migrate.Run(ctx, rest, stdout, stderr)
		var ue *migrate.UsageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "amq migrate: "+ue.Error())
			return 2
		}
	case "encrypt", "decrypt":
		err = runCrypt(cmd, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "amq: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(stderr, ee.msg)
			}
			return ee.code
		}
		fmt.Fprintf(stderr, "amq %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// version of this build; set with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries an exit code (and an optional message) to main.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// splitProps separates -Dname=value arguments from the rest.
func splitProps(args []string) (map[string]string, []string) {
	props := map[string]string{}
	var rest []string
	for _, a := range args {
		if strings.HasPrefix(a, "-D") && strings.Contains(a, "=") {
			k, v, _ := strings.Cut(a[2:], "=")
			props[k] = v
			continue
		}
		rest = append(rest, a)
	}
	return props, rest
}

// runCrypt is ActiveMQ's `activemq encrypt|decrypt --password P --input X`.
func runCrypt(verb string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("amq "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	password := fs.String("password", os.Getenv(auth.EncryptionPasswordEnv), "encryption password (default $"+auth.EncryptionPasswordEnv+")")
	input := fs.String("input", "", "text to "+verb)
	algorithm := fs.String("algorithm", "", "PBE algorithm (default "+auth.DefaultAlgorithm+")")
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	if *password == "" || *input == "" {
		return exitError{code: 2, msg: "amq " + verb + ": --password and --input are required"}
	}
	var out string
	var err error
	switch {
	case verb == "encrypt" && *algorithm != "":
		out, err = auth.EncryptWith(*algorithm, *password, *input)
	case verb == "encrypt":
		out, err = auth.Encrypt(*password, *input)
	case *algorithm != "":
		out, err = auth.DecryptWith(*algorithm, *password, *input)
	default:
		out, err = auth.Decrypt(*password, *input)
	}
	if err != nil {
		return err
	}
	if verb == "encrypt" {
		fmt.Fprintf(stdout, "Encrypted text: %s\n", out)
	} else {
		fmt.Fprintf(stdout, "Decrypted text: %s\n", out)
	}
	return nil
}

// loadGeneratorRuntime leaves as much CPU as it can to the broker the
// producer and consumer tools measure, usually on the same machine:
//   - These short-lived processes allocate a frame or two per message and
//     hold little, so they collect four times less often.
//   - One connection is one goroutine's work. A second scheduler P only
//     spins looking for more and wakes threads on cores the broker needs
//     (64 KB queue 1->1 on two cores: 4-18% more messages a second with
//     both tools on one P, no change at 1 KB).
//
// GOGC and GOMAXPROCS from the environment are kept.
func loadGeneratorRuntime(connections int) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set && connections == 1 {
		runtime.GOMAXPROCS(1)
	}
}
