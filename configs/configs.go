// Package configs holds the sample activemq.xml files; the default one is
// compiled into the amq binary.
package configs

import _ "embed"

// Default is configs/activemq.xml, what `amq console` runs without -config.
//
//go:embed activemq.xml
var Default []byte
