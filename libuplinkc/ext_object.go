// Copyright (C) 2026 uplink-python authors.
// See LICENSE for copying information.

package main

// #include "uplink_definitions.h"
// #include "uplink_extensions.h"
import "C"

import (
	"bytes"
	"errors"
	"time"
	"unsafe"

	"storj.io/uplink"
	"storj.io/uplink/private/metaclient"
	privateObject "storj.io/uplink/private/object"
)

// versionArg copies a version id from C; NULL or empty means the latest.
func versionArg(version *C.uint8_t, length C.size_t) ([]byte, error) {
	if length == 0 {
		return nil, nil
	}
	if version == nil {
		return nil, errNull("version")
	}
	return C.GoBytes(unsafe.Pointer(version), C.int(length)), nil
}

// cVersion copies version bytes into C memory.
func cVersion(version []byte) (*C.uint8_t, C.size_t) {
	if len(version) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(C.CBytes(version)), C.size_t(len(version))
}

func retentionToC(retention *metaclient.Retention) C.UplinkRetention {
	if retention == nil {
		return C.UplinkRetention{}
	}
	return C.UplinkRetention{mode: C.int32_t(retention.Mode), retain_until: timeToUnix(retention.RetainUntil)}
}

func retentionToGo(retention C.UplinkRetention) (metaclient.Retention, error) {
	mode, err := retentionModeToGo(retention.mode)
	if err != nil {
		return metaclient.Retention{}, err
	}
	return metaclient.Retention{Mode: mode, RetainUntil: unixToTime(retention.retain_until)}, nil
}

func mallocVersionedObject(object *privateObject.VersionedObject) *C.UplinkVersionedObject {
	if object == nil {
		return nil
	}
	cobject := (*C.UplinkVersionedObject)(C.calloc(1, C.sizeof_UplinkVersionedObject))
	cobject.key = C.CString(object.Key)
	cobject.is_prefix = C.bool(object.IsPrefix)
	cobject.system = systemMetadataToC(object.System)
	cobject.custom = customMetadataToC(object.Custom)
	cobject.version, cobject.version_length = cVersion(object.Version)
	cobject.is_versioned = C.bool(object.IsVersioned)
	cobject.is_delete_marker = C.bool(object.IsDeleteMarker)
	cobject.is_latest = C.bool(object.IsLatest)
	cobject.legal_hold = -1
	if object.LegalHold != nil {
		cobject.legal_hold = 0
		if *object.LegalHold {
			cobject.legal_hold = 1
		}
	}
	cobject.retention = retentionToC(object.Retention)
	return cobject
}

func newVersionedObjectResult(object *privateObject.VersionedObject, err error) C.UplinkVersionedObjectResult {
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(object)}
}

// versionedArgs resolves project, bucket, key and version.
func versionedArgs(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) (*Project, string, string, []byte, error) {
	proj, bucket, key, err := objectArgs(project, bucketName, objectKey)
	if err != nil {
		return nil, "", "", nil, err
	}
	goVersion, err := versionArg(version, length)
	return proj, bucket, key, goVersion, err
}

// uplink_upload_object2 starts an upload with retention, legal hold and
// if-none-match.
//
//export uplink_upload_object2
func uplink_upload_object2(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, options *C.UplinkUploadOptionsV2) C.UplinkUploadResult {
	opts := &privateObject.UploadOptions{}
	if options != nil {
		if options.expires > 0 {
			opts.Expires = time.Unix(int64(options.expires), 0)
		}
		retention, err := retentionToGo(options.retention)
		if err != nil {
			return C.UplinkUploadResult{error: mallocError(err)}
		}
		opts.Retention = retention
		opts.LegalHold = bool(options.legal_hold)
		switch match := C.GoString(options.if_none_match); match {
		case "":
		case "*":
			opts.IfNoneMatch = []string{match}
		default:
			return C.UplinkUploadResult{error: mallocError(errInvalidArg("if_none_match", `only "*" is supported`))}
		}
	}
	return startUpload(project, bucketName, objectKey, opts)
}

// uplink_upload_info_versioned returns the uploaded object with its version.
//
//export uplink_upload_info_versioned
func uplink_upload_info_versioned(upload *C.UplinkUpload) C.UplinkVersionedObjectResult {
	up, err := getUpload(upload)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	defer up.lock()()
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(up.upload.Info())}
}

// uplink_download_info_versioned returns the downloaded object with its
// version.
//
//export uplink_download_info_versioned
func uplink_download_info_versioned(download *C.UplinkDownload) C.UplinkVersionedObjectResult {
	down, err := getDownload(download)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	defer down.lock()()
	return C.UplinkVersionedObjectResult{object: mallocVersionedObject(down.download.Info())}
}

// uplink_stat_object_version returns information about one version of an
// object (the latest when version is NULL).
//
//export uplink_stat_object_version
func uplink_stat_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkVersionedObjectResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	object, err := privateObject.StatObject(ctx, proj.Project, bucket, key, goVersion)
	return newVersionedObjectResult(object, end(err))
}

// uplink_delete_object_version deletes one version of an object; without a
// version, a versioned bucket gets a delete marker.
//
//export uplink_delete_object_version
func uplink_delete_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDeleteObjectOptions) C.UplinkVersionedObjectResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkVersionedObjectResult{error: mallocError(err)}
	}
	opts := &privateObject.DeleteObjectOptions{}
	if options != nil {
		opts.BypassGovernanceRetention = bool(options.bypass_governance_retention)
	}
	ctx, end := proj.begin()
	object, err := privateObject.DeleteObject(ctx, proj.Project, bucket, key, goVersion, opts)
	return newVersionedObjectResult(object, end(err))
}

// uplink_download_object_version starts a download of one version.
//
//export uplink_download_object_version
func uplink_download_object_version(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, options *C.UplinkDownloadOptions) C.UplinkDownloadResult {
	goVersion, err := versionArg(version, length)
	if err != nil {
		return C.UplinkDownloadResult{error: mallocError(err)}
	}
	return startDownload(project, bucketName, objectKey, goVersion, options)
}

// uplink_set_object_retention sets the retention of an object version.
//
//export uplink_set_object_retention
func uplink_set_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, retention C.UplinkRetention, bypassGovernanceRetention C.bool) *C.UplinkError {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return mallocError(err)
	}
	goRetention, err := retentionToGo(retention)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(privateObject.SetObjectRetention(ctx, proj.Project, bucket, key, goVersion, goRetention,
		&privateObject.SetObjectRetentionOptions{BypassGovernanceRetention: bool(bypassGovernanceRetention)})))
}

// uplink_get_object_retention returns the retention of an object version;
// mode UPLINK_RETENTION_NONE when it has none.
//
//export uplink_get_object_retention
func uplink_get_object_retention(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkRetentionResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkRetentionResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	retention, err := privateObject.GetObjectRetention(ctx, proj.Project, bucket, key, goVersion)
	err = end(err)
	if errors.Is(err, privateObject.ErrRetentionNotFound) {
		retention, err = nil, nil
	}
	if err != nil {
		return C.UplinkRetentionResult{error: mallocError(err)}
	}
	cretention := (*C.UplinkRetention)(C.calloc(1, C.sizeof_UplinkRetention))
	*cretention = retentionToC(retention)
	return C.UplinkRetentionResult{retention: cretention}
}

// uplink_free_retention_result frees a retention result.
//
//export uplink_free_retention_result
func uplink_free_retention_result(result C.UplinkRetentionResult) {
	uplink_free_error(result.error)
	C.free(unsafe.Pointer(result.retention))
}

// uplink_set_object_legal_hold places or removes a legal hold.
//
//export uplink_set_object_legal_hold
func uplink_set_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t, enabled C.bool) *C.UplinkError {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return mallocError(err)
	}
	ctx, end := proj.begin()
	return mallocError(end(privateObject.SetObjectLegalHold(ctx, proj.Project, bucket, key, goVersion, bool(enabled))))
}

// uplink_get_object_legal_hold reports whether a legal hold is placed.
//
//export uplink_get_object_legal_hold
func uplink_get_object_legal_hold(project *C.UplinkProject, bucketName, objectKey *C.uplink_const_char, version *C.uint8_t, length C.size_t) C.UplinkBoolResult {
	proj, bucket, key, goVersion, err := versionedArgs(project, bucketName, objectKey, version, length)
	if err != nil {
		return C.UplinkBoolResult{error: mallocError(err)}
	}
	ctx, end := proj.begin()
	enabled, err := privateObject.GetObjectLegalHold(ctx, proj.Project, bucket, key, goVersion)
	err = end(err)
	return C.UplinkBoolResult{value: C.bool(enabled), error: mallocError(err)}
}

// uplink_free_versioned_object_result frees a versioned object result.
//
//export uplink_free_versioned_object_result
func uplink_free_versioned_object_result(result C.UplinkVersionedObjectResult) {
	uplink_free_error(result.error)
	uplink_free_versioned_object(result.object)
}

// uplink_free_versioned_object frees a versioned object.
//
//export uplink_free_versioned_object
func uplink_free_versioned_object(object *C.UplinkVersionedObject) {
	if object == nil {
		return
	}
	C.free(unsafe.Pointer(object.key))
	freeCustomMetadata(&object.custom)
	C.free(unsafe.Pointer(object.version))
	C.free(unsafe.Pointer(object))
}

// errListingStuck stops a version listing whose cursor stopped moving.
var errListingStuck = errors.New("listing did not advance past its cursor")

// versionPages turns the paged ListObjectVersions into an iterator.
type versionPages struct {
	scope   scope
	project *uplink.Project
	bucket  string
	options privateObject.ListObjectVersionsOptions

	page    []*privateObject.VersionedObject
	pos     int
	more    bool
	fetched bool
	err     error
}

func (pages *versionPages) Next() bool {
	if pages.err != nil {
		return false
	}
	pages.pos++
	if pages.pos < len(pages.page) {
		return true
	}
	if pages.fetched && !pages.more {
		return false
	}
	if n := len(pages.page); n > 0 {
		last := pages.page[n-1]
		if last.Key == pages.options.Cursor && bytes.Equal(last.Version, pages.options.VersionCursor) {
			pages.err = errListingStuck
			return false
		}
		pages.options.Cursor = last.Key
		pages.options.VersionCursor = last.Version
	}
	pages.page, pages.more, pages.err = privateObject.ListObjectVersions(pages.scope.ctx, pages.project, pages.bucket, &pages.options)
	pages.fetched = true
	pages.pos = 0
	return pages.err == nil && len(pages.page) > 0
}

func (pages *versionPages) Err() error { return pages.err }

// Item returns the current version with its full key: Go lists keys
// relative to the prefix (and keeps the cursor relative), while
// uplink_list_objects hands out full keys.
func (pages *versionPages) Item() *privateObject.VersionedObject {
	if pages.pos < 0 || pages.pos >= len(pages.page) {
		return nil
	}
	item := *pages.page[pages.pos]
	item.Key = pages.options.Prefix + item.Key
	return &item
}

// uplink_list_object_versions lists every version of the objects of a
// bucket, newest first for each key.
//
//export uplink_list_object_versions
func uplink_list_object_versions(project *C.UplinkProject, bucketName *C.uplink_const_char, options *C.UplinkListObjectVersionsOptions) *C.UplinkVersionedObjectIterator {
	proj, bucket, err := bucketArgs(project, bucketName)
	opts := privateObject.ListObjectVersionsOptions{}
	if options != nil && err == nil {
		opts.Prefix = C.GoString(options.prefix)
		opts.Cursor = C.GoString(options.cursor)
		opts.Recursive = bool(options.recursive)
		opts.System = bool(options.system)
		opts.Custom = bool(options.custom)
		opts.VersionCursor, err = versionArg(options.version_cursor, options.version_cursor_length)
	}
	it := (*C.UplinkVersionedObjectIterator)(C.calloc(1, C.sizeof_UplinkVersionedObjectIterator))
	it._handle = newIterator(proj, err, func(s scope) goIterator[*privateObject.VersionedObject] {
		return &versionPages{scope: s, project: proj.Project, bucket: bucket, options: opts, pos: -1}
	})
	return it
}

// uplink_versioned_object_iterator_next prepares the next version.
//
//export uplink_versioned_object_iterator_next
func uplink_versioned_object_iterator_next(iterator *C.UplinkVersionedObjectIterator) C.bool {
	return C.bool(iterator != nil && iteratorNext[*privateObject.VersionedObject](iterator._handle))
}

// uplink_versioned_object_iterator_err returns the error that stopped the
// listing.
//
//export uplink_versioned_object_iterator_err
func uplink_versioned_object_iterator_err(iterator *C.UplinkVersionedObjectIterator) *C.UplinkError {
	if iterator == nil {
		return mallocError(errNull("iterator"))
	}
	return mallocError(iteratorErr[*privateObject.VersionedObject](iterator._handle, "versioned object iterator"))
}

// uplink_versioned_object_iterator_item returns the current version; free
// it with uplink_free_versioned_object.
//
//export uplink_versioned_object_iterator_item
func uplink_versioned_object_iterator_item(iterator *C.UplinkVersionedObjectIterator) *C.UplinkVersionedObject {
	if iterator == nil {
		return nil
	}
	item, ok := iteratorItem[*privateObject.VersionedObject](iterator._handle)
	if !ok {
		return nil
	}
	return mallocVersionedObject(item)
}

// uplink_free_versioned_object_iterator frees the iterator.
//
//export uplink_free_versioned_object_iterator
func uplink_free_versioned_object_iterator(iterator *C.UplinkVersionedObjectIterator) {
	if iterator == nil {
		return
	}
	freeIterator[*privateObject.VersionedObject](iterator._handle)
	C.free(unsafe.Pointer(iterator))
}
