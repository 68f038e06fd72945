// A C program written against storj.io/uplink-c's API, built against
// libuplinkc's header and library: uploads an object, reads it back, lists
// it, checks error codes and handle validation, cleans up and checks that
// no handle leaked. Prints "ok" and exits 0 on success.
//
// Environment: UPLINK_C_ACCESS (serialized access grant), UPLINK_C_BUCKET.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplink.h"

#define SIZE (300 * 1024 + 7)

static int failed(const char *what, UplinkError *error) {
    fprintf(stderr, "%s failed: code %d: %s\n", what, error ? error->code : 0,
            error && error->message ? error->message : "(no message)");
    uplink_free_error(error);
    return 1;
}

static int expect_code(const char *what, UplinkError *error, int32_t code) {
    if (error == NULL || error->code != code) {
        fprintf(stderr, "%s: want code %d, got %d\n", what, code, error ? error->code : 0);
        uplink_free_error(error);
        return 1;
    }
    uplink_free_error(error);
    return 0;
}

static int run(UplinkProject *project, const char *bucket) {
    uint8_t *data = malloc(SIZE);
    uint8_t *back = malloc(SIZE);
    for (size_t i = 0; i < SIZE; i++) data[i] = (uint8_t)(i * 31 + 7);

    UplinkBucketResult ensured = uplink_ensure_bucket(project, bucket);
    if (ensured.error) return failed("ensure_bucket", ensured.error);
    if (strcmp(ensured.bucket->name, bucket) != 0) return failed("bucket name", NULL);
    uplink_free_bucket_result(ensured);

    UplinkUploadOptions upload_options = {0};
    UplinkUploadResult upload = uplink_upload_object(project, bucket, "c/object.bin", &upload_options);
    if (upload.error) return failed("upload_object", upload.error);
    for (size_t offset = 0; offset < SIZE;) {
        size_t chunk = SIZE - offset < 65536 ? SIZE - offset : 65536;
        UplinkWriteResult written = uplink_upload_write(upload.upload, data + offset, chunk);
        if (written.error) return failed("upload_write", written.error);
        offset += written.bytes_written;
        uplink_free_write_result(written);
    }
    UplinkCustomMetadataEntry entry = {"lang", 4, "c", 1};
    UplinkCustomMetadata custom = {&entry, 1};
    UplinkError *error = uplink_upload_set_custom_metadata(upload.upload, custom);
    if (error) return failed("upload_set_custom_metadata", error);
    error = uplink_upload_commit(upload.upload);
    if (error) return failed("upload_commit", error);
    uplink_free_upload_result(upload);

    UplinkDownloadResult download = uplink_download_object(project, bucket, "c/object.bin", NULL);
    if (download.error) return failed("download_object", download.error);
    size_t received = 0;
    for (;;) {
        UplinkReadResult read = uplink_download_read(download.download, back + received, SIZE - received);
        received += read.bytes_read;
        if (read.error) {
            int eof = read.error->code == EOF;
            if (!eof) return failed("download_read", read.error);
            uplink_free_read_result(read);
            break;
        }
        uplink_free_read_result(read);
        if (received > SIZE) return failed("read past the size", NULL);
    }
    if (received != SIZE || memcmp(data, back, SIZE) != 0) return failed("data comparison", NULL);
    UplinkObjectResult info = uplink_download_info(download.download);
    if (info.error) return failed("download_info", info.error);
    if (info.object->system.content_length != SIZE || info.object->custom.count != 1 ||
        info.object->custom.entries[0].value_length != 1) return failed("download_info values", NULL);
    uplink_free_object_result(info);
    error = uplink_close_download(download.download);
    if (error) return failed("close_download", error);
    uplink_free_download_result(download);

    UplinkListObjectsOptions list_options = {"c/", "", false, true, true};
    UplinkObjectIterator *objects = uplink_list_objects(project, bucket, &list_options);
    int count = 0;
    while (uplink_object_iterator_next(objects)) {
        UplinkObject *object = uplink_object_iterator_item(objects);
        if (strcmp(object->key, "c/object.bin") != 0) return failed("listed key", NULL);
        uplink_free_object(object);
        count++;
    }
    error = uplink_object_iterator_err(objects);
    if (error) return failed("object_iterator_err", error);
    uplink_free_object_iterator(objects);
    if (count != 1) return failed("listed count", NULL);

    // Errors come back as codes, never as crashes.
    UplinkObjectResult missing = uplink_stat_object(project, bucket, "c/missing");
    if (expect_code("stat missing object", missing.error, UPLINK_ERROR_OBJECT_NOT_FOUND)) return 1;
    UplinkBucketResult not_empty = uplink_delete_bucket(project, bucket);
    if (expect_code("delete non-empty bucket", not_empty.error, UPLINK_ERROR_BUCKET_NOT_EMPTY)) return 1;
    UplinkProject stale = {987654321};
    UplinkBucketResult invalid = uplink_stat_bucket(&stale, bucket);
    if (expect_code("stale handle", invalid.error, UPLINK_ERROR_INVALID_HANDLE)) return 1;
    UplinkBucketResult null_arg = uplink_stat_bucket(NULL, bucket);
    if (expect_code("NULL project", null_arg.error, UPLINK_ERROR_INTERNAL)) return 1;

    UplinkObjectResult deleted = uplink_delete_object(project, bucket, "c/object.bin");
    if (deleted.error) return failed("delete_object", deleted.error);
    uplink_free_object_result(deleted);
    UplinkBucketResult removed = uplink_delete_bucket(project, bucket);
    if (removed.error) return failed("delete_bucket", removed.error);
    uplink_free_bucket_result(removed);
    free(data);
    free(back);
    return 0;
}

int main(void) {
    const char *access_string = getenv("UPLINK_C_ACCESS");
    const char *bucket = getenv("UPLINK_C_BUCKET");
    if (!access_string || !bucket) {
        fprintf(stderr, "set UPLINK_C_ACCESS and UPLINK_C_BUCKET\n");
        return 2;
    }
    UplinkAccessResult access = uplink_parse_access(access_string);
    if (access.error) return failed("parse_access", access.error);
    UplinkProjectResult project = uplink_open_project(access.access);
    if (project.error) return failed("open_project", project.error);

    int status = run(project.project, bucket);

    UplinkError *error = uplink_close_project(project.project);
    if (error) return failed("close_project", error);
    uplink_free_project_result(project);
    uplink_free_access_result(access);
    if (status == 0 && !uplink_internal_UniverseIsEmpty()) {
        fprintf(stderr, "handles leaked\n");
        return 1;
    }
    if (status == 0) printf("ok\n");
    return status;
}
