package graph

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// Node is a graph node for export: an entity or a memory.
type Node struct {
	ID    string            `json:"id"`
	Label string            `json:"label"`
	Type  string            `json:"type"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

type gmlKey struct {
	ID   string `xml:"id,attr"`
	For  string `xml:"for,attr"`
	Name string `xml:"attr.name,attr"`
	Type string `xml:"attr.type,attr"`
}

type gmlData struct {
	Key   string `xml:"key,attr"`
	Value string `xml:",chardata"`
}

type gmlNode struct {
	ID   string    `xml:"id,attr"`
	Data []gmlData `xml:"data"`
}

type gmlEdge struct {
	ID     string    `xml:"id,attr,omitempty"`
	Source string    `xml:"source,attr"`
	Target string    `xml:"target,attr"`
	Data   []gmlData `xml:"data"`
}

type gmlGraph struct {
	ID          string    `xml:"id,attr"`
	EdgeDefault string    `xml:"edgedefault,attr"`
	Nodes       []gmlNode `xml:"node"`
	Edges       []gmlEdge `xml:"edge"`
}

type gmlDoc struct {
	XMLName xml.Name `xml:"graphml"`
	XMLNS   string   `xml:"xmlns,attr"`
	Keys    []gmlKey `xml:"key"`
	Graph   gmlGraph `xml:"graph"`
}

// WriteGraphML writes nodes and edges as a directed GraphML document.
// Nodes carry "label", "type" and their Attrs (as string keys named
// "attr.<name>"); edges carry "type", "weight" and, when set, "valid_from"
// and "valid_to" (RFC 3339). Text is escaped by encoding/xml; characters
// XML cannot hold become U+FFFD. Edges whose ends are not among nodes are
// written too (GraphML readers create or reject them).
func WriteGraphML(w io.Writer, nodes []Node, edges []Edge) error {
	doc := gmlDoc{XMLNS: "http://graphml.graphdrawing.org/xmlns",
		Keys: []gmlKey{
			{"n_label", "node", "label", "string"}, {"n_type", "node", "type", "string"},
			{"e_type", "edge", "type", "string"}, {"e_weight", "edge", "weight", "double"},
			{"e_valid_from", "edge", "valid_from", "string"}, {"e_valid_to", "edge", "valid_to", "string"},
		},
		Graph: gmlGraph{ID: "engram", EdgeDefault: "directed"}}
	var attrs []string
	for _, n := range nodes {
		for k := range n.Attrs {
			if !slices.Contains(attrs, k) {
				attrs = append(attrs, k)
			}
		}
	}
	slices.Sort(attrs)
	for _, a := range attrs {
		doc.Keys = append(doc.Keys, gmlKey{"n_attr_" + a, "node", "attr." + a, "string"})
	}
	for _, n := range nodes {
		gn := gmlNode{ID: n.ID, Data: []gmlData{{"n_label", n.Label}, {"n_type", n.Type}}}
		for _, a := range attrs {
			if v, ok := n.Attrs[a]; ok {
				gn.Data = append(gn.Data, gmlData{"n_attr_" + a, v})
			}
		}
		doc.Graph.Nodes = append(doc.Graph.Nodes, gn)
	}
	for _, e := range edges {
		ge := gmlEdge{ID: e.ID, Source: e.Source, Target: e.Target, Data: []gmlData{
			{"e_type", e.Type}, {"e_weight", strconv.FormatFloat(e.Weight, 'g', -1, 64)}}}
		if !e.ValidFrom.IsZero() {
			ge.Data = append(ge.Data, gmlData{"e_valid_from", e.ValidFrom.UTC().Format(time.RFC3339Nano)})
		}
		if !e.ValidTo.IsZero() {
			ge.Data = append(ge.Data, gmlData{"e_valid_to", e.ValidTo.UTC().Format(time.RFC3339Nano)})
		}
		doc.Graph.Edges = append(doc.Graph.Edges, ge)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write graphml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write graphml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write graphml: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	if err != nil {
		return fmt.Errorf("write graphml: %w", err)
	}
	return nil
}
