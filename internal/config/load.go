package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Options controls how a configuration is read.
type Options struct {
	// Props are -Dname=value properties. They act as Java system
	// properties: activemq.base and friends may be set here, and they take
	// part in placeholder resolution. As in ActiveMQ (Spring's default
	// SYSTEM_PROPERTIES_MODE_FALLBACK), a key defined in a properties file
	// named by the PropertyPlaceholderConfigurer wins over a -D property
	// unless the file asks for SYSTEM_PROPERTIES_MODE_OVERRIDE or
	// PropsOverride is set.
	Props map[string]string
	// PropsOverride makes Props (and the environment) win over properties
	// files whatever the configurer says.
	PropsOverride bool
	// Env looks up environment variables; nil means os.Getenv. An empty
	// value counts as unset.
	Env func(string) string
	// Base, Home, Conf and Data override $ACTIVEMQ_BASE, $ACTIVEMQ_HOME,
	// $ACTIVEMQ_CONF and $ACTIVEMQ_DATA (and the activemq.* properties).
	Base, Home, Conf, Data string
	// ReadFile reads properties files named by placeholder configurers;
	// nil means os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

// Load reads and parses the activemq.xml at path.
func Load(path string, opts Options) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read configuration: %w", err)
	}
	return parse(path, filepath.Dir(path), data, opts)
}

// Parse parses an activemq.xml held in memory. name is used in messages and,
// as a path, to locate activemq.conf when $ACTIVEMQ_CONF is not set.
func Parse(name string, data []byte, opts Options) (*Config, []Warning, error) {
	return parse(name, filepath.Dir(name), data, opts)
}

// DefaultName is the file name used for a built-in configuration.
const DefaultName = "activemq.xml (built-in)"

// ParseDefault parses a built-in configuration (one compiled into the
// binary rather than read from disk). activemq.conf then defaults to
// ${activemq.base}/conf, as in ActiveMQ's start script.
func ParseDefault(data []byte, opts Options) (*Config, []Warning, error) {
	return parse(DefaultName, "", data, opts)
}

// MustParseDefault is ParseDefault for a built-in configuration known to be
// valid; it panics on error.
func MustParseDefault(data []byte, opts Options) *Config {
	cfg, _, err := ParseDefault(data, opts)
	if err != nil {
		panic(fmt.Sprintf("config: built-in configuration: %v", err))
	}
	return cfg
}

func parse(name, confDir string, data []byte, opts Options) (*Config, []Warning, error) {
	if opts.Env == nil {
		opts.Env = os.Getenv
	}
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	paths, err := computePaths(confDir, opts)
	if err != nil {
		return nil, nil, err
	}
	root, err := parseTree(name, data)
	if err != nil {
		return nil, nil, err
	}
	d := &decoder{
		file: name,
		cfg: &Config{
			File:       name,
			Paths:      paths,
			Properties: map[string]string{},
			Beans:      map[string]*Bean{},
		},
		beanNodes: map[string]*xnode{},
	}
	d.res = newResolver()
	d.res.sys = func(k string) (string, bool) { return sysProperty(k, paths, opts) }
	d.res.env = func(k string) (string, bool) { return envLookup(k, opts.Env) }
	d.propsOverride = opts.PropsOverride
	d.decodeRoot(root, opts)
	if d.err != nil {
		return nil, d.warns, d.err
	}
	return d.cfg, d.warns, nil
}

func computePaths(confDir string, opts Options) (Paths, error) {
	env := func(k string) string { return opts.Env(k) }
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	abs := func(p string) (string, error) {
		if p == "" {
			return "", nil
		}
		return filepath.Abs(p)
	}
	wd, err := os.Getwd()
	if err != nil {
		wd = "."
	}
	var p Paths
	if p.Base, err = abs(first(opts.Base, opts.Props["activemq.base"], env("ACTIVEMQ_BASE"), wd)); err != nil {
		return p, err
	}
	if p.Home, err = abs(first(opts.Home, opts.Props["activemq.home"], env("ACTIVEMQ_HOME"), p.Base)); err != nil {
		return p, err
	}
	defConf := filepath.Join(p.Base, "conf")
	if confDir != "" {
		defConf = confDir
	}
	if p.Conf, err = abs(first(opts.Conf, opts.Props["activemq.conf"], env("ACTIVEMQ_CONF"), defConf)); err != nil {
		return p, err
	}
	if p.Data, err = abs(first(opts.Data, opts.Props["activemq.data"], env("ACTIVEMQ_DATA"), filepath.Join(p.Base, "data"))); err != nil {
		return p, err
	}
	return p, nil
}

// sysProperty answers for Java system properties: -D properties first, then
// the activemq.* directories, then a few JVM-defined ones.
func sysProperty(key string, paths Paths, opts Options) (string, bool) {
	if v, ok := opts.Props[key]; ok {
		return v, true
	}
	switch key {
	case "activemq.base":
		return paths.Base, true
	case "activemq.home":
		return paths.Home, true
	case "activemq.conf":
		return paths.Conf, true
	case "activemq.data":
		return paths.Data, true
	case "user.home":
		if h := opts.Env("HOME"); h != "" {
			return h, true
		}
	case "user.name":
		if u := opts.Env("USER"); u != "" {
			return u, true
		}
		if u := opts.Env("LOGNAME"); u != "" {
			return u, true
		}
	case "user.dir":
		if wd, err := os.Getwd(); err == nil {
			return wd, true
		}
	case "java.io.tmpdir":
		if t := opts.Env("TMPDIR"); t != "" {
			return t, true
		}
		return "/tmp", true
	case "file.separator":
		return string(filepath.Separator), true
	case "path.separator":
		return string(filepath.ListSeparator), true
	case "line.separator":
		return "\n", true
	case "os.name":
		switch runtime.GOOS {
		case "linux":
			return "Linux", true
		case "darwin":
			return "Mac OS X", true
		case "windows":
			return "Windows", true
		}
		return runtime.GOOS, true
	case "os.arch":
		if runtime.GOARCH == "amd64" {
			return "amd64", true
		}
		return runtime.GOARCH, true
	}
	return "", false
}

// envLookup finds an environment variable the way Spring's
// SystemEnvironmentPropertySource does: the name as given, then with '.'
// and '-' turned into '_', then the same in upper case (activemq.data ->
// ACTIVEMQ_DATA).
func envLookup(key string, env func(string) string) (string, bool) {
	if key == "" {
		return "", false
	}
	dots := strings.ReplaceAll(key, ".", "_")
	dashes := strings.ReplaceAll(key, "-", "_")
	both := strings.ReplaceAll(dots, "-", "_")
	for _, k := range []string{key, dots, dashes, both} {
		if v := env(k); v != "" {
			return v, true
		}
	}
	for _, k := range []string{key, dots, dashes, both} {
		if u := strings.ToUpper(k); u != k {
			if v := env(u); v != "" {
				return v, true
			}
		}
	}
	return "", false
}
