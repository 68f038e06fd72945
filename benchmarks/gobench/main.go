// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

// Command gobench is the Go side of benchmarks/suite.py: one measured case
// with storj.io/uplink, done the way the Python worker does it through
// libuplinkc, printed as one JSON line (wall seconds, client CPU seconds of
// the measured part, peak RSS).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"storj.io/uplink"
)

type options struct {
	mode, bucket, key, prefix, path string
	size                            int64
	chunk, count, threads, conc     int
	partSize                        int64
}

func main() {
	var o options
	access := flag.String("access", "", "serialized access grant")
	flag.StringVar(&o.mode, "mode", "", "put|upload|read|readline|readfile|rangedfile|multipartfile|threads|stat|list|fill|mkbucket|rmbucket|many-put|many-get|many-stat")
	flag.StringVar(&o.bucket, "bucket", "", "bucket (must exist)")
	flag.StringVar(&o.key, "key", "", "object key")
	flag.StringVar(&o.prefix, "prefix", "", "key prefix (fill, list)")
	flag.StringVar(&o.path, "path", "", "local file (file modes)")
	flag.Int64Var(&o.size, "size", 1<<20, "object size in bytes")
	flag.IntVar(&o.chunk, "chunk", 1<<20, "bytes per Write or Read call")
	flag.IntVar(&o.count, "count", 1, "objects (fill, list) or calls (stat)")
	flag.IntVar(&o.threads, "threads", 8, "goroutines (threads)")
	flag.IntVar(&o.conc, "concurrency", 4, "parallel ranges or parts (file modes)")
	flag.Int64Var(&o.partSize, "part-size", 64<<20, "bytes per range or part (file modes)")
	flag.Parse()
	if err := run(*access, &o); err != nil {
		fmt.Fprintf(os.Stderr, "gobench: %+v\n", err)
		os.Exit(1)
	}
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano()).Seconds()
}

func run(serialized string, o *options) error {
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

	var data []byte
	if o.mode == "put" || o.mode == "upload" || o.mode == "many-put" {
		data = make([]byte, o.size)
		if _, err := rand.Read(data); err != nil {
			return err
		}
	}

	startCPU, start := cpuSeconds(), time.Now()
	var seconds float64
	switch o.mode {
	case "put", "upload":
		err = upload(ctx, project, o.bucket, o.key, data, o.chunk)
	case "read":
		err = read(ctx, project, o.bucket, o.key, o.chunk, o.size)
	case "readline":
		err = readLines(ctx, project, o.bucket, o.key, o.size)
	case "readfile":
		err = readFile(ctx, project, o)
	case "rangedfile":
		err = rangedFile(ctx, project, o)
	case "multipartfile":
		err = multipartFile(ctx, project, o)
	case "threads":
		group, gctx := errgroup.WithContext(ctx)
		for range o.threads {
			group.Go(func() error { return read(gctx, project, o.bucket, o.key, o.chunk, o.size) })
		}
		err = group.Wait()
	case "stat":
		seconds, err = stat(ctx, project, o)
	case "list":
		err = list(ctx, project, o)
	case "fill":
		err = fill(ctx, project, o)
	case "many-put", "many-get", "many-stat":
		err = many(ctx, project, o, data)
	case "mkbucket":
		_, err = project.EnsureBucket(ctx, o.bucket)
	case "rmbucket":
		_, err = project.DeleteBucketWithObjects(ctx, o.bucket)
	default:
		err = fmt.Errorf("unknown mode %q", o.mode)
	}
	if err != nil {
		return err
	}
	if seconds == 0 {
		seconds = time.Since(start).Seconds()
	}
	cpu := cpuSeconds() - startCPU
	if o.mode == "stat" {
		cpu /= float64(o.count)
	}
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{
		"seconds": seconds, "cpu_seconds": cpu, "max_rss_kib": float64(usage.Maxrss),
	})
}

func upload(ctx context.Context, project *uplink.Project, bucket, key string, data []byte, chunk int) error {
	up, err := project.UploadObject(ctx, bucket, key, nil)
	if err != nil {
		return err
	}
	for offset := 0; offset < len(data); offset += chunk {
		if _, err := up.Write(data[offset:min(offset+chunk, len(data))]); err != nil {
			_ = up.Abort()
			return err
		}
	}
	return up.Commit()
}

func read(ctx context.Context, project *uplink.Project, bucket, key string, chunk int, size int64) error {
	down, err := project.DownloadObject(ctx, bucket, key, nil)
	if err != nil {
		return err
	}
	defer func() { _ = down.Close() }()
	buf := make([]byte, chunk)
	var received int64
	for {
		n, err := down.Read(buf)
		received += int64(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if received != size {
		return fmt.Errorf("read %d bytes of %d", received, size)
	}
	return nil
}

// readLines reads the object a line at a time through a bufio.Reader, as
// Python's readline does through its buffer.
func readLines(ctx context.Context, project *uplink.Project, bucket, key string, size int64) error {
	down, err := project.DownloadObject(ctx, bucket, key, nil)
	if err != nil {
		return err
	}
	defer func() { _ = down.Close() }()
	lines := bufio.NewReaderSize(down, 256<<10)
	var received int64
	for {
		line, err := lines.ReadSlice('\n')
		received += int64(len(line))
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
	if received != size {
		return fmt.Errorf("read %d bytes of %d", received, size)
	}
	return nil
}

func readFile(ctx context.Context, project *uplink.Project, o *options) error {
	file, err := os.Create(o.path)
	if err != nil {
		return err
	}
	defer func() { _ = file.Close(); _ = os.Remove(o.path) }()
	down, err := project.DownloadObject(ctx, o.bucket, o.key, nil)
	if err != nil {
		return err
	}
	defer func() { _ = down.Close() }()
	n, err := io.CopyBuffer(file, down, make([]byte, o.chunk))
	if err == nil && n != o.size {
		err = fmt.Errorf("copied %d bytes of %d", n, o.size)
	}
	return err
}

// rangedFile downloads ranges of partSize in parallel into the file at their
// offsets, the way download_file does.
func rangedFile(ctx context.Context, project *uplink.Project, o *options) error {
	file, err := os.Create(o.path)
	if err != nil {
		return err
	}
	defer func() { _ = file.Close(); _ = os.Remove(o.path) }()
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(o.conc)
	for offset := int64(0); offset < o.size; offset += o.partSize {
		length := min(o.partSize, o.size-offset)
		group.Go(func() error {
			down, err := project.DownloadObject(gctx, o.bucket, o.key, &uplink.DownloadOptions{Offset: offset, Length: length})
			if err != nil {
				return err
			}
			defer func() { _ = down.Close() }()
			_, err = io.CopyBuffer(io.NewOffsetWriter(file, offset), io.LimitReader(down, length), make([]byte, o.chunk))
			return err
		})
	}
	return group.Wait()
}

// multipartFile uploads the file as parts of partSize in parallel, the way
// upload_file does.
func multipartFile(ctx context.Context, project *uplink.Project, o *options) error {
	file, err := os.Open(o.path)
	if err != nil {
		return err
	}
	defer func() { _ = file.Close() }()
	info, err := project.BeginUpload(ctx, o.bucket, o.key, nil)
	if err != nil {
		return err
	}
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(o.conc)
	number := uint32(0)
	for offset := int64(0); offset < o.size; offset += o.partSize {
		number++
		length, part := min(o.partSize, o.size-offset), number
		group.Go(func() error {
			up, err := project.UploadPart(gctx, o.bucket, o.key, info.UploadID, part)
			if err != nil {
				return err
			}
			if _, err := io.CopyBuffer(up, io.NewSectionReader(file, offset, length), make([]byte, o.chunk)); err != nil {
				_ = up.Abort()
				return err
			}
			return up.Commit()
		})
	}
	if err := group.Wait(); err != nil {
		_ = project.AbortUpload(ctx, o.bucket, o.key, info.UploadID)
		return err
	}
	_, err = project.CommitUpload(ctx, o.bucket, o.key, info.UploadID, nil)
	return err
}

// stat returns the median latency of count StatObject calls.
func stat(ctx context.Context, project *uplink.Project, o *options) (float64, error) {
	times := make([]float64, 0, o.count)
	for range o.count {
		start := time.Now()
		if _, err := project.StatObject(ctx, o.bucket, o.key); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start).Seconds())
	}
	sort.Float64s(times)
	return times[len(times)/2], nil
}

func list(ctx context.Context, project *uplink.Project, o *options) error {
	it := project.ListObjects(ctx, o.bucket, &uplink.ListObjectsOptions{Prefix: o.prefix, Recursive: true, System: true, Custom: true})
	count := 0
	for it.Next() {
		count++
	}
	if err := it.Err(); err != nil {
		return err
	}
	if count != o.count {
		return fmt.Errorf("listed %d objects, want %d", count, o.count)
	}
	return nil
}

// fill uploads count tiny objects under prefix (set-up for list).
func fill(ctx context.Context, project *uplink.Project, o *options) error {
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(16)
	for i := range o.count {
		group.Go(func() error {
			key := fmt.Sprintf("%sobject-%06d", o.prefix, i)
			return upload(gctx, project, o.bucket, key, []byte(key), 1024)
		})
	}
	return group.Wait()
}

// many runs count small whole-object calls (put, get or stat of
// <prefix>object-NNNNNN) on an errgroup of concurrency goroutines.
func many(ctx context.Context, project *uplink.Project, o *options, data []byte) error {
	group, gctx := errgroup.WithContext(ctx)
	group.SetLimit(o.conc)
	for i := range o.count {
		key := fmt.Sprintf("%sobject-%06d", o.prefix, i)
		group.Go(func() error {
			switch o.mode {
			case "many-put":
				return upload(gctx, project, o.bucket, key, data, len(data)+1)
			case "many-get":
				download, err := project.DownloadObject(gctx, o.bucket, key, nil)
				if err != nil {
					return err
				}
				got, err := io.ReadAll(download)
				if closeErr := download.Close(); err == nil {
					err = closeErr
				}
				if err == nil && int64(len(got)) != o.size {
					err = fmt.Errorf("read %d bytes of %s, want %d", len(got), key, o.size)
				}
				return err
			}
			_, err := project.StatObject(gctx, o.bucket, key)
			return err
		})
	}
	return group.Wait()
}
