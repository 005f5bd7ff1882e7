package web

import (
	"encoding/xml"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"amq/broker"
)

// xmlQueues serves /admin/xml/queues.jsp in the shape ActiveMQ's console
// produces, which monitoring scripts (Telegraf, Nagios checks, netdata)
// scrape.
func (c *Console) xmlQueues(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("<queues>\n")
	for _, v := range c.queues(false) {
		name := html.EscapeString(v.Dest.Name)
		feed := html.EscapeString(url.PathEscape(v.Dest.Name))
		b.WriteString(`<queue name="` + name + "\">\n\n")
		writeStats(&b, v)
		b.WriteString("\n\n\n  <feed>\n")
		b.WriteString("    <atom>queueBrowse/" + feed + "?view=rss&amp;feedType=atom_1.0</atom>\n")
		b.WriteString("    <rss>queueBrowse/" + feed + "?view=rss&amp;feedType=rss_2.0</rss>\n")
		b.WriteString("  </feed>\n</queue>\n")
	}
	b.WriteString("</queues>\n")
	writeXML(w, b.String())
}

// xmlTopics serves /admin/xml/topics.jsp.
func (c *Console) xmlTopics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString("<topics>\n")
	for _, v := range c.topics(false) {
		b.WriteString(`<topic name="` + html.EscapeString(v.Dest.Name) + "\">\n\n")
		writeStats(&b, v)
		b.WriteString("\n\n</topic>\n")
	}
	b.WriteString("</topics>\n")
	writeXML(w, b.String())
}

// xmlSubscribers serves /admin/xml/subscribers.jsp: the durable
// subscriptions, active ones first, in ActiveMQ's layout. Monitoring agents
// (Telegraf's activemq input) read it together with queues.jsp and
// topics.jsp.
func (c *Console) xmlSubscribers(w http.ResponseWriter, r *http.Request) {
	subs := c.b.DurableSubscriptions()
	var b strings.Builder
	b.WriteString("<subscribers>\n")
	for _, active := range []bool{true, false} {
		for _, s := range subs {
			if s.Active != active {
				continue
			}
			yes := "no"
			if s.Active {
				yes = "yes"
			}
			b.WriteString(`<subscriber clientId="` + html.EscapeString(s.ClientID) + "\" \n")
			b.WriteString(`            subscriptionName="` + html.EscapeString(s.Name) + "\" \n")
			// The connection is not tracked per subscription; ActiveMQ
			// leaves it empty for offline subscribers too.
			b.WriteString(`            connectionId=""` + "\n")
			b.WriteString(`            destinationName="` + html.EscapeString(s.Topic.Name) + "\" \n")
			b.WriteString(`            selector="` + html.EscapeString(s.Selector) + "\" \n")
			b.WriteString(`            active="` + yes + "\" >\n")
			inflight := s.Stats.InFlightCount
			b.WriteString(`  <stats pendingQueueSize="` + strconv.FormatInt(s.Pending-inflight, 10) + "\"\n")
			b.WriteString(`         dispatchedQueueSize="` + strconv.FormatInt(inflight, 10) + "\"\n")
			b.WriteString(`         dispatchedCounter="` + strconv.FormatInt(s.Stats.DispatchCount, 10) + "\"\n")
			b.WriteString(`         enqueueCounter="` + strconv.FormatInt(s.Stats.EnqueueCount, 10) + "\"\n")
			b.WriteString(`         dequeueCounter="` + strconv.FormatInt(s.Stats.DequeueCount, 10) + "\"/>\n\n</subscriber>\n")
		}
	}
	b.WriteString("</subscribers>\n")
	writeXML(w, b.String())
}

func writeStats(b *strings.Builder, v destView) {
	st := v.Stats
	b.WriteString(`  <stats size="` + strconv.FormatInt(st.QueueSize, 10) + "\"\n")
	b.WriteString(`         consumerCount="` + strconv.Itoa(st.ConsumerCount) + "\"\n")
	b.WriteString(`         enqueueCount="` + strconv.FormatInt(st.EnqueueCount, 10) + "\"\n")
	b.WriteString(`         dequeueCount="` + strconv.FormatInt(st.DequeueCount, 10) + `"/>`)
}

func writeXML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(body))
}

type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate,omitempty"`
	GUID        string `xml:"guid"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// queueFeed serves queueBrowse/<queue>?view=rss&feedType=rss_2.0|atom_1.0,
// the feeds the XML queue list links to.
func (c *Console) queueFeed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	d := broker.QueueDest(name)
	if _, ok := c.b.QueueStats(d); !ok {
		http.Error(w, "404 no queue named "+strconv.Quote(name), http.StatusNotFound)
		return
	}
	f, err := c.b.CompileSelector(r.URL.Query().Get("selector"))
	if err != nil {
		http.Error(w, "400 invalid selector: "+err.Error(), http.StatusBadRequest)
		return
	}
	ms := c.b.Browse(d, f, maxBrowse)
	self := "/admin/browse.jsp?JMSDestination=" + url.QueryEscape(name)
	msgLink := func(id string) string {
		return "/admin/message.jsp?JMSDestination=" + url.QueryEscape(name) + "&id=" + url.QueryEscape(id)
	}
	var out any
	if r.URL.Query().Get("feedType") == "atom_1.0" {
		feed := atomFeed{Title: c.b.Name() + " queue " + name, ID: "urn:amq:" + c.b.ID() + ":queue:" + name,
			Updated: time.Now().UTC().Format(time.RFC3339), Link: atomLink{self}}
		for _, m := range ms {
			v := viewMessage(m)
			feed.Entries = append(feed.Entries, atomEntry{Title: m.ID, ID: "urn:amq:message:" + m.ID,
				Updated: time.UnixMilli(m.Timestamp).UTC().Format(time.RFC3339), Link: atomLink{msgLink(m.ID)}, Summary: v.BodyPreview(1000)})
		}
		out = feed
	} else {
		feed := rssFeed{Version: "2.0", Channel: rssChannel{Title: c.b.Name() + " queue " + name, Link: self,
			Description: "Messages on queue " + name}}
		for _, m := range ms {
			v := viewMessage(m)
			feed.Channel.Items = append(feed.Channel.Items, rssItem{Title: m.ID, Link: msgLink(m.ID), Description: v.BodyPreview(1000),
				PubDate: time.UnixMilli(m.Timestamp).UTC().Format(time.RFC1123Z), GUID: m.ID})
		}
		out = feed
	}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		http.Error(w, "500 "+err.Error(), http.StatusInternalServerError)
		return
	}
	ct := "application/rss+xml;charset=UTF-8"
	if _, ok := out.(atomFeed); ok {
		ct = "application/atom+xml;charset=UTF-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Write([]byte(xml.Header))
	w.Write(data)
}
