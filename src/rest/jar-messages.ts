/**
 * Payloads of the web-submission endpoints under `/jars` (Flink's `flink-runtime-web`), with Flink's field names.
 */

/** `POST /jars/upload`. */
export interface JarUploadResponseBody {
  /** Where the program was stored on the JobManager: `<upload dir>/<uuid>_<name>`. */
  filename: string;
  status: 'success';
}

export interface JarEntryInfo {
  name: string;
  description?: string | null;
}

export interface JarFileInfo {
  /** `<uuid>_<name>`, what `/jars/:jarid/...` takes. */
  id: string;
  name: string;
  uploaded: number;
  entry: JarEntryInfo[];
}

/** `GET /jars`. */
export interface JarListInfo {
  address: string;
  files: JarFileInfo[];
}

/** The JSON body of `POST /jars/:jarid/run` (every field may also come as a query parameter). */
export interface JarRunRequestBody {
  entryClass?: string | null;
  programArgs?: string | null;
  programArgsList?: string[] | null;
  parallelism?: number | null;
  jobId?: string | null;
  allowNonRestoredState?: boolean | null;
  savepointPath?: string | null;
}

/** `POST /jars/:jarid/run`. */
export interface JarRunResponseBody {
  jobid: string;
}

/** A run request as data, after the body and the query were merged and checked. */
export interface ProgramRunRequest {
  programArgs: string[];
  parallelism?: number;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
  entryClass?: string;
  jobId?: string;
}
