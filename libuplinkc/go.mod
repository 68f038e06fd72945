module uplinkpython/libuplinkc

go 1.25.0

require (
	github.com/zeebo/errs v1.4.0
	storj.io/common v0.0.0-20260818140313-d38275a3768b
	storj.io/picobuf v0.0.4
	storj.io/uplink v1.14.5
)

require (
	github.com/calebcase/tmpfile v1.0.3 // indirect
	github.com/flynn/noise v1.1.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/jtolio/noiseconn v0.0.0-20231127013910-f6d9ecbf1de7 // indirect
	github.com/klauspost/compress v1.17.7 // indirect
	github.com/klauspost/cpuid/v2 v2.2.5 // indirect
	github.com/spacemonkeygo/monkit/v3 v3.0.25-0.20251022131615-eb24eb109368 // indirect
	github.com/zeebo/blake3 v0.2.4 // indirect
	golang.org/x/crypto v0.53.0 // indirect
	golang.org/x/sync v0.21.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
	storj.io/drpc v1.0.0 // indirect
	storj.io/eventkit v0.0.0-20260707062648-170ec15e6f3f // indirect
	storj.io/infectious v1.0.1 // indirect
)
