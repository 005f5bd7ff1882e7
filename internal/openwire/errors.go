package openwire

import (
	"errors"
	"fmt"
	"strings"

	"amq/broker"
	"amq/broker/selector"
	"amq/internal/openwire/wire"
)

// Java exception classes the JMS client rethrows as they are named.
const (
	classJMSException       = "javax.jms.JMSException"
	classInvalidDestination = "javax.jms.InvalidDestinationException"
	classInvalidClientID    = "javax.jms.InvalidClientIDException"
	classJMSSecurity        = "javax.jms.JMSSecurityException"
	classInvalidSelector    = "javax.jms.InvalidSelectorException"
	classIllegalState       = "javax.jms.IllegalStateException"
	classResourceAllocation = "javax.jms.ResourceAllocationException"
	classSecurity           = "java.lang.SecurityException"
	classXA                 = "javax.transaction.xa.XAException"
)

// jmsError is an error that names the Java exception class to report.
type jmsError struct {
	class string
	msg   string
}

func (e *jmsError) Error() string { return e.msg }

func jmsErrorf(class, format string, args ...any) error {
	return &jmsError{class: class, msg: fmt.Sprintf(format, args...)}
}

// authzError is how an Authorizer's error can say it is a refusal (the
// broker has no sentinel for it yet).
type authzError interface {
	error
	Unauthorized() bool
}

// throwableFor maps a broker error to the exception the client rethrows.
func throwableFor(err error) *wire.Throwable {
	class := classJMSException
	msg := err.Error()
	var je *jmsError
	var se *selector.SyntaxError
	var ae authzError
	switch {
	case errors.As(err, &je):
		class = je.class
	case errors.Is(err, broker.ErrDeletedDestination):
		class = classInvalidDestination
	case errors.Is(err, broker.ErrClientIDInUse):
		class = classInvalidClientID
	case errors.Is(err, broker.ErrResourceAllocation):
		// The class already says what the sentinel's prefix says; the
		// client's message reads "javax.jms.ResourceAllocationException:
		// Usage Manager: ..." as ActiveMQ's does.
		class = classResourceAllocation
		msg = strings.TrimPrefix(msg, broker.ErrResourceAllocation.Error()+": ")
	case errors.As(err, &se):
		class = classInvalidSelector
	case errors.As(err, &ae) && ae.Unauthorized(), isAuthorizationMessage(err.Error()):
		class = classJMSSecurity
	}
	return &wire.Throwable{Class: class, Message: wire.Str(msg)}
}

// isAuthorizationMessage recognises ActiveMQ-style refusals ("User x is not
// authorized to write to: queue://y") from authorizers that return plain
// errors.
func isAuthorizationMessage(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "not authorized") || strings.Contains(s, "unauthorized") ||
		strings.Contains(s, "access denied") || strings.Contains(s, "permission denied")
}
