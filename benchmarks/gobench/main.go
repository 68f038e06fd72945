// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// Command gobench is the Go side of benchmarks/transfer.py: it uploads and
// downloads one object with storj.io/uplink, the way the Python benchmark
// does through libuplinkc, and prints the timings as JSON.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"storj.io/uplink"
)

func main() {
	access := flag.String("access", "", "serialized access grant")
	bucket := flag.String("bucket", "", "bucket (must exist)")
	key := flag.String("key", "gobench.bin", "object key")
	size := flag.Int64("size", 64<<20, "object size in bytes")
	chunk := flag.Int("chunk", 1<<20, "bytes per Write and Read call")
	flag.Parse()
	if err := run(*access, *bucket, *key, *size, *chunk); err != nil {
		fmt.Fprintf(os.Stderr, "gobench: %+v\n", err)
		os.Exit(1)
	}
}

func run(serialized, bucket, key string, size int64, chunk int) error {
	ctx := context.Background()
	access, err := uplink.ParseAccess(serialized)
	if err != nil {
		return err
	}
	project, err := uplink.OpenProject(ctx, access)
	if err != nil {
		return err
	}
	defer func() { _ = project.Close() }()

	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		return err
	}

	start := time.Now()
	upload, err := project.UploadObject(ctx, bucket, key, nil)
	if err != nil {
		return err
	}
	for offset := int64(0); offset < size; offset += int64(chunk) {
		end := min(offset+int64(chunk), size)
		if _, err := upload.Write(data[offset:end]); err != nil {
			_ = upload.Abort()
			return err
		}
	}
	if err := upload.Commit(); err != nil {
		return err
	}
	uploadSeconds := time.Since(start).Seconds()

	start = time.Now()
	download, err := project.DownloadObject(ctx, bucket, key, nil)
	if err != nil {
		return err
	}
	hash := sha256.New()
	buf := make([]byte, chunk)
	var received int64
	for {
		n, err := download.Read(buf)
		hash.Write(buf[:n])
		received += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = download.Close()
			return err
		}
	}
	if err := download.Close(); err != nil {
		return err
	}
	downloadSeconds := time.Since(start).Seconds()

	if want := sha256.Sum256(data); received != size || string(hash.Sum(nil)) != string(want[:]) {
		return errors.New("downloaded bytes differ from the uploaded ones")
	}
	if _, err := project.DeleteObject(ctx, bucket, key); err != nil {
		return err
	}

	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{
		"upload_seconds":   uploadSeconds,
		"download_seconds": downloadSeconds,
		"max_rss_kib":      float64(usage.Maxrss),
	})
}
