package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/engramhq/engram/httpapi/client"
)

// progressEvery is how often (in lines) long work reports on stderr.
const progressEvery = 1000

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return quiet(exportCmd(ctx, args, stdout, stderr))
}

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("export", "export NAMESPACE [-o FILE] [--embeddings] [flags]",
		"  engram export user-alice -o alice.ndjson\n  engram export user-alice | gzip > alice.ndjson.gz\n", stderr)
	out := fs.String("o", "-", "output file (- for standard output)")
	emb := fs.Bool("embeddings", false, "include each memory's vector")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	body, err := c.Export(ctx, pos[0], client.ExportOptions{Embeddings: *emb})
	if err != nil {
		return err
	}
	defer body.Close()
	w := stdout
	if *out != "-" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	n, start := 0, time.Now()
	for sc.Scan() {
		bw.Write(sc.Bytes())
		bw.WriteByte('\n')
		if n++; n%progressEvery == 0 {
			fmt.Fprintf(stderr, "\rexported %d lines", n)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("export stream: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\rexported %d lines from %s in %s\n", n, pos[0], time.Since(start).Round(time.Millisecond))
	return nil
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return quiet(importCmd(ctx, args, stdout, stderr))
}

// importChunk bounds one import request (the server takes 10 MiB bodies
// by default).
const (
	importChunkLines = 1000
	importChunkBytes = 4 << 20
)

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newCLIFlags("import", "import NAMESPACE [FILE|-] [flags]",
		"  engram import user-alice alice.ndjson\n  gunzip -c alice.ndjson.gz | engram import user-alice -\n\nImporting is idempotent by memory id: running it again skips what is there.\n", stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		fs.Usage()
		return errUsage
	}
	var in io.Reader = os.Stdin
	if len(pos) == 2 && pos[1] != "-" {
		file, err := os.Open(pos[1])
		if err != nil {
			return err
		}
		defer file.Close()
		in = file
	}
	c, err := f.client()
	if err != nil {
		return err
	}
	total := client.ImportResult{}
	var chunk bytes.Buffer
	lines, chunkLines, sent := 0, 0, 0
	flush := func() error {
		if chunkLines == 0 {
			return nil
		}
		res, err := c.Import(ctx, pos[0], bytes.NewReader(chunk.Bytes()))
		if err != nil {
			return err
		}
		total.Imported += res.Imported
		total.Skipped += res.Skipped
		total.Errors += res.Errors
		for _, fl := range res.Failures {
			fl.Line += sent
			total.Failures = append(total.Failures, fl)
		}
		sent += chunkLines
		chunk.Reset()
		chunkLines = 0
		fmt.Fprintf(stderr, "\rimported %d, skipped %d, errors %d (%d lines read)", total.Imported, total.Skipped, total.Errors, lines)
		return nil
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	for sc.Scan() {
		lines++
		chunk.Write(sc.Bytes())
		chunk.WriteByte('\n')
		if chunkLines++; chunkLines >= importChunkLines || chunk.Len() >= importChunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", pos[len(pos)-1], err)
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintln(stderr)
	if f.json {
		if err := printJSON(stdout, total); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "imported %d, skipped %d, errors %d\n", total.Imported, total.Skipped, total.Errors)
		for _, fl := range total.Failures {
			fmt.Fprintf(stdout, "  line %d: %s\n", fl.Line, fl.Error)
		}
	}
	if total.Errors > 0 {
		return fmt.Errorf("%d lines could not be imported", total.Errors)
	}
	return nil
}
