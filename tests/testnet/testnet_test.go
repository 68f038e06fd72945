// Package testnet runs a real, local Storj network (storj.io/storj testplanet:
// 1 satellite, 5 storage nodes, 1 uplink project) for the uplink-python tests.
//
// Build and run (scripts/testnet.sh does this):
//
//	go test -c -o build/testnet.test .
//	UPLINK_TESTNET_INFO=/tmp/testnet.json \
//	STORJ_TEST_POSTGRES='postgres://postgres@127.0.0.1:55432/teststorj?sslmode=disable' \
//	STORJ_TEST_COCKROACH=omit STORJ_TEST_TIDB=omit STORJ_TEST_LOG_LEVEL=warn \
//	build/testnet.test -test.run '^TestNetwork$' -test.v -test.timeout 0
//
// TestNetwork writes the credentials as JSON (atomically) to the file named by
// UPLINK_TESTNET_INFO (or -testnet.info), keeps the network up until SIGINT or
// SIGTERM (or, with UPLINK_TESTNET_EXIT_WITH_PARENT set, until its parent process
// goes away), then shuts it down, dropping its database schemas, and deletes the
// file. TestSmoke checks a fresh network end to end and exits.
package testnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

	"storj.io/common/macaroon"
	"storj.io/common/memory"
	"storj.io/common/storj"
	"storj.io/common/testcontext"
	"storj.io/common/testrand"
	"storj.io/storj/private/testplanet"
	"storj.io/storj/satellite"
	"storj.io/storj/storagenode"
	"storj.io/uplink"
	"storj.io/uplink/private/bucket"
	"storj.io/uplink/private/metaclient"
	"storj.io/uplink/private/object"
)

// Passphrase is the encryption passphrase of the access grant in the info file.
const Passphrase = "testnet-passphrase"

var infoPath = flag.String("testnet.info", os.Getenv("UPLINK_TESTNET_INFO"),
	"where TestNetwork writes the network's JSON info (default: $UPLINK_TESTNET_INFO)")

var exitWithParent = flag.Bool("testnet.exit-with-parent", os.Getenv("UPLINK_TESTNET_EXIT_WITH_PARENT") != "",
	"stop the network when the parent process goes away (default: set if $UPLINK_TESTNET_EXIT_WITH_PARENT is non-empty)")

// Info is what TestNetwork writes to the info file.
type Info struct {
	SatelliteURL     string `json:"satellite_url"`     // <node id>@127.0.0.1:<port>
	SatelliteAddress string `json:"satellite_address"` // 127.0.0.1:<port>
	SatelliteID      string `json:"satellite_id"`
	APIKey           string `json:"api_key"`
	Access           string `json:"access"` // serialized access grant, made with Passphrase
	Passphrase       string `json:"passphrase"`
	ProjectID        string `json:"project_id"`
	StorageNodes     int    `json:"storage_nodes"`
	RS               string `json:"rs"` // min/repair/success/total
	PID              int    `json:"pid"`
	AuthAddress      string `json:"auth_address"` // local edge auth service, DRPC without TLS
	AuthHTTP         string `json:"auth_http"`    // its HTTP side: GET /v1/access/<access key id>

	// Fault control (faults_test.go): clients reach the satellite and the storage nodes
	// through proxies that this HTTP endpoint on loopback stops, freezes and restores.
	Control                string   `json:"control"`                  // host:port of the control endpoint
	SatelliteDirectAddress string   `json:"satellite_direct_address"` // the satellite itself, bypassing its proxy
	StorageNodeAddresses   []string `json:"storage_node_addresses"`   // the nodes' proxies, as the satellite hands them out
	StorageNodeDirectAddrs []string `json:"storage_node_direct_addresses"`
}

// Limits for multi-GiB benchmarks. Disk use on the machine is about
// 2x the uploaded bytes (RS 2-of-4).
const (
	projectStorageLimit   = 25 * memory.GB
	projectBandwidthLimit = 1 * memory.TB // allocated bandwidth adds up over a session's downloads
	projectSegmentLimit   = 1_000_000
	projectMaxBuckets     = 1000
	nodeAllocatedDisk     = 10 * memory.GB
)

// reconfigureSatellite raises the limits and turns off the per-project and
// per-object request limiters. Bucket versioning and Object Lock need no satellite
// switch in storj v1.163.6 (always on in the metainfo endpoint); Object Lock needs
// an API key with the Object Lock version bit (see planetConfig).
func reconfigureSatellite(log *zap.Logger, index int, config *satellite.Config) {
	// Project usage limits, applied when testplanet creates the uplink's project.
	for _, l := range []*memory.Size{
		&config.Console.UsageLimits.Storage.Free,
		&config.Console.UsageLimits.Storage.Paid,
		&config.Console.UsageLimits.Storage.Nfr,
	} {
		*l = projectStorageLimit
	}
	for _, l := range []*memory.Size{
		&config.Console.UsageLimits.Bandwidth.Free,
		&config.Console.UsageLimits.Bandwidth.Paid,
		&config.Console.UsageLimits.Bandwidth.Nfr,
	} {
		*l = projectBandwidthLimit
	}
	config.Console.UsageLimits.Segment.Free = projectSegmentLimit
	config.Console.UsageLimits.Segment.Paid = projectSegmentLimit
	config.Console.UsageLimits.Segment.Nfr = projectSegmentLimit
	config.Metainfo.ProjectLimits.MaxBuckets = projectMaxBuckets

	// Request limiters (tests default: 1000 req/s per project, 1 upload and
	// download per object per ms with a burst of 3).
	config.Metainfo.RateLimiter.Enabled = false
	config.Metainfo.UploadLimiter.Enabled = false
	config.Metainfo.DownloadLimiter.Enabled = false

	// Optional extra: bucket tagging endpoints (off by default).
	config.Metainfo.BucketTaggingEnabled = true
}

func reconfigureStorageNode(index int, config *storagenode.Config) {
	config.Storage.AllocatedDiskSpace = nodeAllocatedDisk
}

func planetConfig() testplanet.Config {
	rc := testplanet.DisablePeerCAWhitelist // copy; it is a value
	rc.Satellite = testplanet.Combine(
		rc.Satellite,                         // Server.UsePeerCAWhitelist = false
		testplanet.ReconfigureRS(2, 3, 4, 4), // real erasure coding over 4 of the 5 nodes
		reconfigureSatellite,
	)
	peerCA := rc.StorageNode
	rc.StorageNode = func(index int, config *storagenode.Config) {
		peerCA(index, config)
		reconfigureStorageNode(index, config)
		reconfigureNodeProxy(index, config)
	}
	// No API key / revocation caches: new and revoked keys take effect at once.
	rc.SatelliteDBOptions = testplanet.SatelliteDBDisableCaches
	// The uplink's API key must carry the Object Lock version bit, else every Object Lock
	// call (even creating a bucket with Object Lock) is "Unauthorized API credentials".
	// ObjectLock|Eventing is what the satellite console gives new keys.
	rc.Uplink = func(log *zap.Logger, index int, config *testplanet.UplinkConfig) {
		config.APIKeyVersion = macaroon.APIKeyVersionObjectLock | macaroon.APIKeyVersionEventing
	}

	return testplanet.Config{
		SatelliteCount:   1,
		StorageNodeCount: 5,
		UplinkCount:      1,
		NonParallel:      true,
		Timeout:          -1, // no deadline
		Reconfigure:      rc,
	}
}

// requireDatabase fails (instead of letting testplanet skip) when no PostgreSQL is configured.
func requireDatabase(t *testing.T) {
	pg := os.Getenv("STORJ_TEST_POSTGRES")
	if f := flag.Lookup("postgres-test-db"); f != nil {
		pg = f.Value.String()
	}
	if pg == "" || strings.EqualFold(pg, "omit") {
		t.Fatal("STORJ_TEST_POSTGRES (or -postgres-test-db) must name a PostgreSQL database, " +
			"e.g. postgres://postgres@127.0.0.1:55432/teststorj?sslmode=disable (see scripts/postgres.sh)")
	}
}

// run is testplanet.Run that fails when the callback never ran (e.g. a skipped sub-test).
func run(t *testing.T, fn func(t *testing.T, ctx *testcontext.Context, planet *testplanet.Planet)) {
	requireDatabase(t)
	ran := false
	testplanet.Run(t, planetConfig(), func(t *testing.T, ctx *testcontext.Context, planet *testplanet.Planet) {
		ran = true
		fn(t, ctx, planet)
	})
	if !ran {
		t.Fatal("testplanet did not run the network (sub-test skipped or failed); check the database settings")
	}
}

// makeInfo describes the network; clients reach the satellite at satelliteAddress
// (its fault proxy in TestNetwork).
func makeInfo(ctx context.Context, planet *testplanet.Planet, satelliteAddress string) (*Info, error) {
	sat := planet.Satellites[0]
	up := planet.Uplinks[0]
	url := storj.NodeURL{ID: sat.ID(), Address: satelliteAddress}.String()
	apiKey := up.APIKey[sat.ID()].Serialize()

	access, err := uplink.Config{}.RequestAccessWithPassphrase(ctx, url, apiKey, Passphrase)
	if err != nil {
		return nil, err
	}
	serialized, err := access.Serialize()
	if err != nil {
		return nil, err
	}
	rs := sat.Config.Metainfo.RS
	return &Info{
		SatelliteURL:     url,
		SatelliteAddress: satelliteAddress,
		SatelliteID:      sat.ID().String(),
		APIKey:           apiKey,
		Access:           serialized,
		Passphrase:       Passphrase,
		ProjectID:        up.Projects[0].ID.String(),
		StorageNodes:     len(planet.StorageNodes),
		RS:               fmt.Sprintf("%d/%d/%d/%d", rs.Min, rs.Repair, rs.Success, rs.Total),
		PID:              os.Getpid(),
	}, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600) // it holds credentials
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// TestNetwork starts the network, writes the info file and blocks until SIGINT/SIGTERM.
func TestNetwork(t *testing.T) {
	if *infoPath == "" {
		t.Fatal("set UPLINK_TESTNET_INFO (or -testnet.info) to the path of the JSON info file")
	}
	path, err := filepath.Abs(*infoPath)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(path) // never leave a stale file from an earlier run

	// Catch the signals before the (slow) start-up, so an early SIGINT still shuts down cleanly.
	sigctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	parentPID := os.Getppid()

	run(t, func(t *testing.T, ctx *testcontext.Context, planet *testplanet.Planet) {
		control, controlAddress, err := startFaultControl(ctx, planet)
		if err != nil {
			t.Fatalf("starting the fault control: %+v", err)
		}
		info, err := makeInfo(ctx, planet, control.satellite.addr)
		if err != nil {
			t.Fatalf("making the access grant: %+v", err)
		}
		info.Control = controlAddress
		info.SatelliteDirectAddress = planet.Satellites[0].Addr()
		for _, node := range control.nodes {
			info.StorageNodeAddresses = append(info.StorageNodeAddresses, node.addr)
			info.StorageNodeDirectAddrs = append(info.StorageNodeDirectAddrs, node.target)
		}
		info.AuthAddress, info.AuthHTTP, err = startAuthService(ctx, info.SatelliteURL)
		if err != nil {
			t.Fatalf("starting the auth service: %+v", err)
		}
		data, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(path, append(data, '\n')); err != nil {
			t.Fatalf("writing %s: %+v", path, err)
		}
		defer func() { _ = os.Remove(path) }()

		t.Logf("testnet ready: satellite %s, info in %s; stop with SIGINT/SIGTERM (kill -INT %d)",
			info.SatelliteURL, path, info.PID)

		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for {
			select {
			case <-sigctx.Done():
				t.Log("testnet: signal received, shutting down")
				return
			case <-ctx.Done():
				t.Log("testnet: planet context ended, shutting down")
				return
			case <-ticker.C:
				if *exitWithParent && os.Getppid() != parentPID {
					t.Log("testnet: parent process went away, shutting down")
					return
				}
			}
		}
	})
}

// TestSmoke checks the network end to end with the Go uplink library, through the
// same kind of access grant that TestNetwork exports.
func TestSmoke(t *testing.T) {
	run(t, func(t *testing.T, ctx *testcontext.Context, planet *testplanet.Planet) {
		sat := planet.Satellites[0]
		info, err := makeInfo(ctx, planet, sat.Addr())
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if info.RS != "2/3/4/4" {
			t.Fatalf("RS = %s, want 2/3/4/4", info.RS)
		}
		if host, _, err := net.SplitHostPort(info.SatelliteAddress); err != nil || host != "127.0.0.1" {
			t.Fatalf("satellite address %q: %v", info.SatelliteAddress, err)
		}
		if !strings.HasSuffix(info.SatelliteURL, "@"+info.SatelliteAddress) {
			t.Fatalf("satellite URL %q does not end in @%s", info.SatelliteURL, info.SatelliteAddress)
		}

		// Project limits.
		proj, err := sat.DB.Console().Projects().Get(ctx, planet.Uplinks[0].Projects[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if proj.StorageLimit == nil || *proj.StorageLimit != projectStorageLimit ||
			proj.BandwidthLimit == nil || *proj.BandwidthLimit != projectBandwidthLimit ||
			proj.SegmentLimit == nil || *proj.SegmentLimit != projectSegmentLimit {
			t.Fatalf("project limits: storage %v bandwidth %v segments %v", proj.StorageLimit, proj.BandwidthLimit, proj.SegmentLimit)
		}

		access, err := uplink.ParseAccess(info.Access)
		if err != nil {
			t.Fatal(err)
		}
		project, err := uplink.OpenProject(ctx, access)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Check(project.Close)

		// 1. Plain upload and download, bigger than one segment would be at 4 KiB inline:
		//    5 MiB forces remote, erasure-coded pieces.
		data := testrand.BytesInt(5 * memory.MiB.Int())
		if _, err := project.EnsureBucket(ctx, "smoke"); err != nil {
			t.Fatal(err)
		}
		upload, err := project.UploadObject(ctx, "smoke", "five-mib", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := upload.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := upload.Commit(); err != nil {
			t.Fatalf("%+v", err)
		}
		download, err := project.DownloadObject(ctx, "smoke", "five-mib", nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(download)
		_ = download.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatal("downloaded data differs")
		}

		segments, err := sat.Metabase.DB.TestingAllSegments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(segments) != 1 {
			t.Fatalf("want 1 segment, got %d", len(segments))
		}
		seg := segments[0]
		if len(seg.InlineData) != 0 || len(seg.Pieces) < 3 || seg.Redundancy.RequiredShares != 2 || seg.Redundancy.TotalShares != 4 {
			t.Fatalf("segment: inline %d bytes, %d pieces, RS %d/%d", len(seg.InlineData), len(seg.Pieces), seg.Redundancy.RequiredShares, seg.Redundancy.TotalShares)
		}
		t.Logf("5 MiB object: %d pieces, RS %d/%d/%d/%d", len(seg.Pieces), seg.Redundancy.RequiredShares,
			seg.Redundancy.RepairShares, seg.Redundancy.OptimalShares, seg.Redundancy.TotalShares)

		// 2. Download still works with one node holding a piece stopped (2 of 4 needed).
		if err := planet.StopNodeAndUpdate(ctx, planet.FindNode(seg.Pieces[0].StorageNode)); err != nil {
			t.Fatal(err)
		}
		download, err = project.DownloadObject(ctx, "smoke", "five-mib", nil)
		if err != nil {
			t.Fatalf("download with a node down: %+v", err)
		}
		got, err = io.ReadAll(download)
		_ = download.Close()
		if err == nil && !bytes.Equal(got, data) {
			err = errors.New("data differs")
		}
		if err != nil {
			t.Fatalf("download with a node down: %+v", err)
		}

		// 3. Bucket versioning.
		if _, err := project.CreateBucket(ctx, "versioned"); err != nil {
			t.Fatal(err)
		}
		if err := bucket.SetBucketVersioning(ctx, project, "versioned", true); err != nil {
			t.Fatalf("enable versioning: %+v", err)
		}
		for i := 0; i < 2; i++ {
			up, err := project.UploadObject(ctx, "versioned", "key", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := up.Write([]byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
			if err := up.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		versions, _, err := object.ListObjectVersions(ctx, project, "versioned", nil)
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if len(versions) != 2 {
			t.Fatalf("want 2 versions, got %d", len(versions))
		}

		// 4. Object Lock.
		if _, err := bucket.CreateBucketWithObjectLock(ctx, project, bucket.CreateBucketWithObjectLockParams{
			Name: "locked", ObjectLockEnabled: true,
		}); err != nil {
			t.Fatalf("create bucket with object lock: %+v", err)
		}
		cfg, err := bucket.GetBucketObjectLockConfiguration(ctx, project, "locked")
		if err != nil || !cfg.Enabled {
			t.Fatalf("object lock configuration: %+v %+v", cfg, err)
		}
		lup, err := object.UploadObject(ctx, project, "locked", "key", &object.UploadOptions{
			Retention: metaclient.Retention{Mode: storj.ComplianceMode, RetainUntil: time.Now().Add(time.Hour)},
		})
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if _, err := lup.Write([]byte("locked")); err != nil {
			t.Fatal(err)
		}
		if err := lup.Commit(); err != nil {
			t.Fatalf("%+v", err)
		}
		version := lup.Info().Version
		if _, err := object.DeleteObject(ctx, project, "locked", "key", version, nil); err == nil {
			t.Fatal("deleting a version under compliance retention succeeded")
		} else {
			t.Logf("delete of locked version refused as expected: %v", err)
		}
		if err := object.SetObjectLegalHold(ctx, project, "locked", "key", version, true); err != nil {
			t.Fatalf("legal hold: %+v", err)
		}

		// 5. Revocation takes effect at once (API key caches are off).
		shared, err := access.Share(uplink.ReadOnlyPermission(), uplink.SharePrefix{Bucket: "smoke"})
		if err != nil {
			t.Fatal(err)
		}
		sharedProject, err := uplink.OpenProject(ctx, shared)
		if err != nil {
			t.Fatal(err)
		}
		defer ctx.Check(sharedProject.Close)
		if _, err := sharedProject.StatObject(ctx, "smoke", "five-mib"); err != nil {
			t.Fatalf("stat with the shared access: %+v", err)
		}
		if err := project.RevokeAccess(ctx, shared); err != nil {
			t.Fatalf("revoke: %+v", err)
		}
		if _, err := sharedProject.StatObject(ctx, "smoke", "five-mib"); err == nil {
			t.Fatal("stat with a revoked access succeeded")
		} else {
			t.Logf("revoked access refused as expected: %v", err)
		}
	})
}
