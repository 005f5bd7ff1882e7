// Package config reads an ActiveMQ Classic 5.17 activemq.xml into a typed
// Config.
//
// The file may be a Spring <beans> document or a bare <broker>. Placeholders
// (${name} and ${name:default}) are resolved the way Spring's
// PropertyPlaceholderConfigurer does, from the properties files it names,
// -D style properties, the activemq.base/home/conf/data paths and the
// environment. Values are converted with ActiveMQ's own rules (its
// MemoryPropertyEditor for sizes, its BooleanEditor for the broker's string
// booleans, Spring's editors elsewhere), so a file that ActiveMQ accepts is
// read to the same values here.
//
// Every problem carries file:line:col. A bad value or an unresolvable
// placeholder is an *Error; anything the package does not understand, or
// understands but the Go broker cannot honour, is a Warning. Elements that
// are recognised but not served by the broker are still parsed into the
// model: the broker decides what to refuse.
package config
