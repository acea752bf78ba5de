// Package graph is Engram's knowledge-graph logic, with no storage and no
// I/O of its own: offline entity and relation extraction, entity
// resolution, the temporal relation model, and traversal over an abstract
// store. It imports nothing else of the module; persistence and HTTP
// routes are built on top of it elsewhere.
//
// # Extraction
//
// Extract is rule-based and deterministic. Fixed-form spans (emails, URLs,
// phone numbers, dates and times including relative ones such as
// "yesterday", money, quantities, versions and identifiers like JIRA-123,
// @handles, #tags, quoted titles) are found by regular expressions;
// capitalized name spans ("Dr. Alice O'Neil", "University of Chicago") are
// typed by small built-in gazetteers (given names, organization suffixes,
// a few hundred places, products, events) and context cues ("in X",
// "works at X", "met X"). Relations come from patterns over the text
// between two neighbouring arguments of one sentence ("X works at Y",
// "X is Y's sister", "Y's wife X", "X was born in Y"); "I", "me" and "my"
// stand for the speaker (ExtractOptions.Speaker, else a "Name:" chat-turn
// prefix, else "user") and "he"/"she" for the last person named. Every
// pair of named entities in a text also gets a co_occurs fact (weight 1
// in the same sentence, 0.5 otherwise).
//
// No part-of-speech library is used: github.com/jdkato/prose/v2 v2.0.0 is
// reachable through the module proxy, but its tagger and NER model load
// and per-sentence cost are far above this package's budget and its NER
// only knows person/GPE/organization, so it was not adopted.
//
// # Resolution, time, traversal
//
// Resolver maps mentions to entity ids by normalized name, alias and
// nickname, first-name match to a unique full name, and MinHash
// similarity of character shingles. Relation carries ValidFrom/ValidTo;
// Apply merges a new fact into existing ones, ending (never deleting) the
// validity of an exclusive relation's old target. Traverse and
// ShortestPath walk any store that implements Neighbors; WriteGraphML
// exports nodes and edges.
//
// # Quality
//
// The labelled set in testdata/extract.jsonl (DefaultCases) is scored by
// Evaluate; see "Measured quality" below.
package graph
