package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"
	"time"

	"amq/configs"
	"amq/internal/config"
	"amq/internal/logging"
	"amq/internal/server"
	"amq/internal/web"
	"amq/store/memory"
)

// brokerFlags are the options shared by console, start, stop, status and validate.
type brokerFlags struct {
	fs          *flag.FlagSet
	config      string
	props       map[string]string
	logFormat   string
	logLevel    string
	cpuProfile  string
	traceFile   string
	pidFile     string
	web         string
	metricsAuth bool
	args        []string // as given, to pass on to a background console
}

func parseBrokerFlags(name string, args []string, stderr io.Writer) (*brokerFlags, error) {
	props, rest := splitProps(args)
	bf := &brokerFlags{props: props, args: args}
	fs := flag.NewFlagSet("amq "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&bf.config, "config", "", "activemq.xml to run (default: the built-in configuration); xbean:file: prefixes are accepted")
	fs.StringVar(&bf.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&bf.logLevel, "log-level", "info", "log level: debug, info, warn, error; per component too: info,stomp=debug,web=warn")
	if name == "console" || name == "start" || name == "restart" {
		fs.StringVar(&bf.web, "web", web.DefaultAddr, "address of the web console, /api/jolokia and /metrics; \"off\" disables them")
		fs.BoolVar(&bf.metricsAuth, "metrics-auth", false, "require the console's login for /metrics")
	}
	if name == "console" {
		fs.StringVar(&bf.cpuProfile, "cpuprofile", "", "write a CPU profile to this file until shutdown")
		fs.StringVar(&bf.traceFile, "trace", "", "write an execution trace (go tool trace) to this file until shutdown")
		fs.StringVar(&bf.pidFile, "pidfile", "", "write the process id to this file while running")
	}
	bf.fs = fs
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitError{code: 0}
		}
		return nil, exitError{code: 2}
	}
	if fs.NArg() > 0 {
		// ActiveMQ style: `activemq console xbean:file:conf/activemq.xml`.
		if bf.config == "" && fs.NArg() == 1 {
			bf.config = fs.Arg(0)
		} else {
			return nil, exitError{code: 2, msg: fmt.Sprintf("amq %s: unexpected arguments %q", name, fs.Args())}
		}
	}
	bf.config = strings.TrimPrefix(strings.TrimPrefix(bf.config, "xbean:"), "file:")
	return bf, nil
}

// load parses the configuration, returning its warnings.
func (bf *brokerFlags) load() (*config.Config, []config.Warning, error) {
	opts := config.Options{Props: bf.props}
	if bf.config == "" {
		return config.ParseDefault(configs.Default, opts)
	}
	return config.Load(bf.config, opts)
}

func (bf *brokerFlags) logger(w io.Writer) (*slog.Logger, error) {
	return logging.New(w, bf.logFormat, bf.logLevel)
}

func runConsole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	bf, err := parseBrokerFlags("console", args, stderr)
	if err != nil {
		return err
	}
	log, err := bf.logger(stderr)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	cfg, warns, err := bf.load()
	if err != nil {
		return err
	}
	logWarnings(log, cfg, warns)
	stopProfile, err := record(log, "cpu profile", bf.cpuProfile, pprof.StartCPUProfile, pprof.StopCPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	stopTrace, err := record(log, "execution trace", bf.traceFile, trace.Start, trace.Stop)
	if err != nil {
		return err
	}
	defer stopTrace()
	srv, err := server.New(cfg, server.Options{Logger: log})
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		srv.Close()
		return err
	}
	// The console never decides whether messaging runs: a busy port or a
	// bad realm file is logged and the broker carries on.
	if web.Enabled(bf.web) {
		con, err := web.New(web.Options{Server: srv, Addr: bf.web, Logger: log.With("component", "web"), MetricsAuth: bf.metricsAuth})
		if err == nil {
			err = con.Start()
		}
		if err != nil {
			log.Error("web console not started; the broker runs without it", "addr", bf.web, "err", err)
		} else {
			log.Info("web console", "url", "http://"+con.Addr().String()+"/admin/", "api", "/api/jolokia", "metrics", "/metrics")
			defer con.Close()
		}
	}
	if bf.pidFile != "" {
		if err := os.WriteFile(bf.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			srv.Close()
			return fmt.Errorf("write pid file: %w", err)
		}
		defer os.Remove(bf.pidFile)
	}
	<-ctx.Done()
	log.Info("shutting down")
	start := time.Now()
	err = srv.Close()
	log.Info("broker stopped", "took", time.Since(start).Round(time.Millisecond))
	return err
}

// logWarnings logs one line per configuration warning, then one line naming
// the recognised elements this build does not act on yet.
func logWarnings(log *slog.Logger, cfg *config.Config, warns []config.Warning) {
	for _, w := range warns {
		log.Warn("configuration: "+w.Msg, "file", w.File, "line", w.Line, "col", w.Col)
	}
	if names := server.UnsupportedElements(cfg); len(names) > 0 {
		log.Warn("configuration: these elements are parsed but not acted on by this version", "elements", strings.Join(names, ", "))
	}
}

func runValidate(args []string, stdout, stderr io.Writer) error {
	bf, err := parseBrokerFlags("validate", args, stderr)
	if err != nil {
		return err
	}
	cfg, warns, err := bf.load()
	if err != nil {
		return exitError{code: 1, msg: err.Error()}
	}
	for _, w := range warns {
		fmt.Fprintln(stdout, "warning: "+w.String())
	}
	if names := server.UnsupportedElements(cfg); len(names) > 0 {
		fmt.Fprintln(stdout, "warning: parsed but not acted on by this version: "+strings.Join(names, ", "))
	}
	srv, err := server.New(cfg, server.Options{Store: memory.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return exitError{code: 1, msg: err.Error()}
	}
	if err := srv.CheckTLS(); err != nil {
		return exitError{code: 1, msg: err.Error()}
	}
	fmt.Fprintf(stdout, "%s: OK (%d warnings)\n", cfg.File, len(warns))
	return nil
}

// pidPath is where start writes and stop/status read the process id, as
// ActiveMQ's script keeps activemq.pid in the data directory.
func pidPath(cfg *config.Config) string { return filepath.Join(cfg.Paths.Data, "amq.pid") }

func logPath(cfg *config.Config) string { return filepath.Join(cfg.Paths.Data, "amq.log") }

var errNotRunning = errors.New("not running")

// readPid returns the running broker's pid, or errNotRunning.
func readPid(cfg *config.Config) (int, error) {
	b, err := os.ReadFile(pidPath(cfg))
	if err != nil {
		return 0, errNotRunning
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, errNotRunning
	}
	if syscall.Kill(pid, 0) != nil || !servesPidFile(pid, pidPath(cfg)) {
		return 0, errNotRunning
	}
	return pid, nil
}

// servesPidFile reports whether process pid is a broker writing pidFile. A
// pid file outlives a crash or a power cut, and its pid may since belong
// to another program, which stop must never signal (ActiveMQ's script
// likewise checks that the pid is a java process). Without /proc the
// process is taken at its word.
func servesPidFile(pid int, pidFile string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		_, statErr := os.Stat("/proc/self/cmdline")
		return statErr != nil
	}
	want := filepath.Clean(pidFile)
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	for i, a := range args {
		switch {
		case (a == "--pidfile" || a == "-pidfile") && i+1 < len(args) && filepath.Clean(args[i+1]) == want:
			return true
		case strings.HasPrefix(a, "--pidfile=") && filepath.Clean(strings.TrimPrefix(a, "--pidfile=")) == want,
			strings.HasPrefix(a, "-pidfile=") && filepath.Clean(strings.TrimPrefix(a, "-pidfile=")) == want:
			return true
		}
	}
	return false
}

func runStart(args []string, stdout, stderr io.Writer) error {
	bf, err := parseBrokerFlags("start", args, stderr)
	if err != nil {
		return err
	}
	cfg, _, err := bf.load()
	if err != nil {
		return err
	}
	if pid, err := readPid(cfg); err == nil {
		// ActiveMQ's bin/activemq treats this as success: the broker the
		// caller wants is up, so init scripts and retries do not fail.
		fmt.Fprintf(stdout, "INFO: Process with pid '%d' is already running\n", pid)
		return nil
	}
	if err := os.MkdirAll(cfg.Paths.Data, 0o755); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(logPath(cfg), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logFile.Close()
	pidFile := pidPath(cfg)
	os.Remove(pidFile)
	cargs := append([]string{"console", "--pidfile", pidFile}, bf.args...)
	if bf.config != "" {
		abs, _ := filepath.Abs(bf.config)
		cargs = append([]string{"console", "--pidfile", pidFile, "--config", abs}, withoutConfig(bf.args)...)
	}
	cmd := exec.Command(exe, cargs...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start broker: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			return exitError{code: 1, msg: fmt.Sprintf("amq failed to start (%v); last log lines from %s:\n%s", err, logPath(cfg), tail(logPath(cfg), 15))}
		case <-deadline:
			return exitError{code: 1, msg: fmt.Sprintf("amq did not report ready within 30s; see %s", logPath(cfg))}
		case <-tick.C:
			if _, err := os.Stat(pidFile); err == nil {
				fmt.Fprintf(stdout, "amq started (pid %d); log: %s\n", cmd.Process.Pid, logPath(cfg))
				return nil
			}
		}
	}
}

func withoutConfig(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config" || a == "-config":
			i++
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
		case strings.HasPrefix(a, "xbean:"):
		default:
			out = append(out, a)
		}
	}
	return out
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

func runStop(args []string, stdout, stderr io.Writer) error {
	return stopBroker("stop", args, stdout, stderr)
}

// stopBroker stops the background broker, reading the options as verb's.
func stopBroker(verb string, args []string, stdout, stderr io.Writer) error {
	bf, err := parseBrokerFlags(verb, args, stderr)
	if err != nil {
		return err
	}
	cfg, _, err := bf.load()
	if err != nil {
		return err
	}
	pid, err := readPid(cfg)
	if err != nil {
		// Nothing to stop is success, as for ActiveMQ's script: stop is
		// run before upgrades and by tools that expect it to be idempotent.
		fmt.Fprintln(stdout, "amq is not running")
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			fmt.Fprintf(stdout, "amq stopped (pid %d)\n", pid)
			os.Remove(pidPath(cfg))
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	os.Remove(pidPath(cfg))
	fmt.Fprintf(stdout, "amq did not stop within 30s and was killed (pid %d)\n", pid)
	return nil
}

func runStatus(args []string, stdout, stderr io.Writer) error {
	bf, err := parseBrokerFlags("status", args, stderr)
	if err != nil {
		return err
	}
	cfg, _, err := bf.load()
	if err != nil {
		return err
	}
	pid, err := readPid(cfg)
	if err != nil {
		return exitError{code: 1, msg: "amq is not running"}
	}
	fmt.Fprintf(stdout, "amq is running (pid %d)\n", pid)
	return nil
}

// record starts a runtime recording (CPU profile, execution trace) into
// path, when set; the function returned stops it and closes the file.
func record(log *slog.Logger, what, path string, start func(io.Writer) error, stop func()) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return func() {
		stop()
		f.Close()
		log.Info(what+" written", "file", path)
	}, nil
}
