package flinkts.clients;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.clusterframework.ApplicationStatus;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.messages.webmonitor.JobIdsWithStatusOverview;
import org.apache.flink.runtime.messages.webmonitor.JobStatusInfo;
import org.apache.flink.runtime.messages.webmonitor.MultipleJobsDetails;
import org.apache.flink.runtime.rest.FileUpload;
import org.apache.flink.runtime.rest.RestClient;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import org.apache.flink.runtime.rest.messages.ClusterConfigurationInfoHeaders;
import org.apache.flink.runtime.rest.messages.ClusterOverviewHeaders;
import org.apache.flink.runtime.rest.messages.ConfigurationInfo;
import org.apache.flink.runtime.rest.messages.DashboardConfiguration;
import org.apache.flink.runtime.rest.messages.DashboardConfigurationHeaders;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobAccumulatorsHeaders;
import org.apache.flink.runtime.rest.messages.JobAccumulatorsMessageParameters;
import org.apache.flink.runtime.rest.messages.JobConfigHeaders;
import org.apache.flink.runtime.rest.messages.JobConfigInfo;
import org.apache.flink.runtime.rest.messages.JobExceptionsHeaders;
import org.apache.flink.runtime.rest.messages.JobExceptionsInfoWithHistory;
import org.apache.flink.runtime.rest.messages.JobIdsWithStatusesOverviewHeaders;
import org.apache.flink.runtime.rest.messages.JobManagerEnvironmentHeaders;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.JobPlanHeaders;
import org.apache.flink.runtime.rest.messages.JobVertexDetailsHeaders;
import org.apache.flink.runtime.rest.messages.JobVertexDetailsInfo;
import org.apache.flink.runtime.rest.messages.JobVertexMessageParameters;
import org.apache.flink.runtime.rest.messages.JobsOverviewHeaders;
import org.apache.flink.runtime.rest.messages.cluster.ShutdownHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.JobExceptionsMessageParameters;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultHeaders;
import org.apache.flink.runtime.rest.messages.job.JobExecutionResultResponseBody;
import org.apache.flink.runtime.rest.messages.job.JobStatusInfoHeaders;
import org.apache.flink.runtime.rest.messages.job.JobSubmitHeaders;
import org.apache.flink.runtime.rest.messages.job.JobSubmitRequestBody;
import org.apache.flink.runtime.rest.messages.job.JobSubmitResponseBody;
import org.apache.flink.runtime.rest.messages.job.metrics.JobVertexWatermarksHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.MetricCollectionResponseBody;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerDetailsHeaders;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerDetailsInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerMessageParameters;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersHeaders;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersInfo;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarDeleteMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarListHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarListInfo;
import org.apache.flink.runtime.webmonitor.handlers.JarRunHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarRunMessageParameters;
import org.apache.flink.runtime.webmonitor.handlers.JarRunRequestBody;
import org.apache.flink.runtime.webmonitor.handlers.JarRunResponseBody;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadHeaders;
import org.apache.flink.runtime.webmonitor.handlers.JarUploadResponseBody;
import org.apache.flink.util.SerializedThrowable;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs Flink 1.20's own REST clients against a flink-ts cluster and reports, per endpoint, whether the answer
 * parsed (and, where it matters, says the right thing). Flink's classes parse strictly: a missing field or a
 * wrong type fails the call, which is what this program exists to catch.
 *
 * <pre>
 * check      --rest HOST:PORT --finished JOBID --failed JOBID --failure-text TEXT --running JOBID
 *            --program FILE.js --job-graph FILE.json --bundle FILE.mjs
 *            --savepoint DIR --not-a-savepoint DIR
 * savepoints --rest HOST:PORT (a flink-ts REST endpoint with canned answers; see CheckpointChecks)
 * real-savepoints --rest HOST:PORT --job J --stop-job J --target DIR (a real cluster)
 * shutdown   --rest HOST:PORT
 * </pre>
 *
 * <p>stdout: one line per call, {@code ok    <what>} or {@code FAIL  <what>: <error and causes>}, then a
 * summary. Exit code 0 only when every call passed.
 */
public final class FlinkClientsCheck {

    /** Each call gets this long; nothing here should take more than a second against a healthy cluster. */
    private static final long CALL_TIMEOUT_SECONDS = 30;

    final String host;
    final int port;
    final RestClusterClient<String> clusterClient;
    final RestClient restClient;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<String> failures = new ArrayList<>();
    private int checks;

    private FlinkClientsCheck(String address) throws Exception {
        int colon = address.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--rest must be HOST:PORT, got " + address);
        }
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, host);
        conf.set(RestOptions.PORT, port);
        // A call that fails must fail now, not after a minute of retries.
        conf.set(RestOptions.RETRY_MAX_ATTEMPTS, 0);
        conf.set(RestOptions.RETRY_DELAY, Duration.ofMillis(100));
        this.clusterClient = new RestClusterClient<>(conf, "flink-ts");
        this.restClient = new RestClient(conf, executor);
    }

    public static void main(String[] args) {
        int exitCode;
        try {
            exitCode = run(args);
        } catch (Throwable t) {
            System.out.println("FAIL  setup: " + describe(t));
            exitCode = 2;
        }
        System.out.flush();
        // Netty's threads would keep the JVM alive.
        System.exit(exitCode);
    }

    private static int run(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: check|shutdown --rest HOST:PORT [...]");
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        FlinkClientsCheck check = new FlinkClientsCheck(required(opts, "rest"));
        try {
            switch (args[0]) {
                case "check":
                    check.checkAll(opts);
                    break;
                case "savepoints":
                    new CheckpointChecks(check).checkSavepointsAndStatistics(opts);
                    break;
                case "real-savepoints":
                    new CheckpointChecks(check).checkRealSavepoints(opts);
                    break;
                case "shutdown":
                    check.call(
                            "DELETE /cluster (ShutdownHeaders)",
                            () -> check.send(ShutdownHeaders.getInstance(), EmptyMessageParameters.getInstance()));
                    break;
                default:
                    throw new IllegalArgumentException("unknown mode " + args[0]);
            }
        } finally {
            check.close();
        }
        System.out.println(
                check.checks + " calls, " + check.failures.size() + " failed"
                        + (check.failures.isEmpty() ? "" : ": " + String.join("; ", check.failures)));
        return check.failures.isEmpty() ? 0 : 1;
    }

    static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    private void close() {
        clusterClient.close();
        restClient.closeAsync();
        executor.shutdownNow();
    }

    // --- the checks ------------------------------------------------------------------------------------------

    private void checkAll(Map<String, String> opts) throws Exception {
        JobID finished = JobID.fromHexString(required(opts, "finished"));
        JobID failed = JobID.fromHexString(required(opts, "failed"));
        JobID running = JobID.fromHexString(required(opts, "running"));
        String failureText = required(opts, "failure-text");

        checkCluster();

        Collection<org.apache.flink.runtime.client.JobStatusMessage> listed =
                call("RestClusterClient.listJobs (GET /jobs/overview)", () -> clusterClient.listJobs());
        if (listed != null) {
            call("listJobs lists the finished, failed and running jobs", () -> {
                List<JobID> ids = new ArrayList<>();
                listed.forEach(j -> ids.add(j.getJobId()));
                expect(ids.contains(finished) && ids.contains(failed) && ids.contains(running), "listed: " + ids);
                return null;
            });
        }
        JobIdsWithStatusOverview ids =
                call("GET /jobs (JobIdsWithStatusesOverviewHeaders)",
                        () -> send(JobIdsWithStatusesOverviewHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        if (ids != null) {
            call("GET /jobs has the running job as RUNNING", () -> {
                boolean found = ids.getJobsWithStatus().stream()
                        .anyMatch(j -> j.getJobId().equals(running) && j.getJobStatus() == JobStatus.RUNNING);
                expect(found, "jobs: " + ids.getJobsWithStatus());
                return null;
            });
        }
        call("GET /jobs/overview (JobsOverviewHeaders)",
                () -> send(JobsOverviewHeaders.getInstance(), EmptyMessageParameters.getInstance()));

        checkJob("finished", finished, JobStatus.FINISHED);
        checkJob("failed", failed, JobStatus.FAILED);
        checkJob("running", running, JobStatus.RUNNING);

        JobResult ok = call("RestClusterClient.requestJobResult (finished job)", () -> clusterClient.requestJobResult(finished));
        if (ok != null) {
            call("the finished job's result says SUCCEEDED", () -> {
                expect(ok.getApplicationStatus() == ApplicationStatus.SUCCEEDED, "status " + ok.getApplicationStatus());
                expect(ok.getJobId().equals(finished), "job id " + ok.getJobId());
                expect(!ok.getSerializedThrowable().isPresent(), "no failure cause");
                // The values are flink-ts codec bytes (only flink-ts clients decode them); that they arrive is the check.
                expect(!ok.getAccumulatorResults().isEmpty(), "no accumulator results");
                return null;
            });
        }
        JobResult bad = call("RestClusterClient.requestJobResult (failed job)", () -> clusterClient.requestJobResult(failed));
        if (bad != null) {
            call("the failed job's result carries its failure cause as a SerializedThrowable", () -> {
                expect(bad.getApplicationStatus() == ApplicationStatus.FAILED, "status " + bad.getApplicationStatus());
                SerializedThrowable cause = bad.getSerializedThrowable()
                        .orElseThrow(() -> new AssertionError("no serialized throwable"));
                expect(cause.getMessage().contains(failureText), "message: " + cause.getMessage());
                expect(cause.getFullStringifiedStackTrace().contains(failureText), "stack: " + cause.getFullStringifiedStackTrace());
                try {
                    bad.toJobExecutionResult(FlinkClientsCheck.class.getClassLoader());
                    throw new AssertionError("toJobExecutionResult did not throw for a failed job");
                } catch (JobExecutionException e) {
                    expect(chain(e).contains(failureText), "JobExecutionException without the cause: " + chain(e));
                }
                return null;
            });
        }

        new CheckpointChecks(this).checkOnCluster(running, finished, opts);

        call("RestClusterClient.cancel (PATCH /jobs/:jobid)", () -> clusterClient.cancel(running));
        call("RestClusterClient.getJobStatus reaches CANCELED", () -> {
            JobStatus status = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CALL_TIMEOUT_SECONDS);
            for (int i = 0; i < 600 && System.nanoTime() < deadline; i++) {
                status = clusterClient.getJobStatus(running).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (status == JobStatus.CANCELED) {
                    return status;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("still " + status);
        });
        JobResult cancelled = call("RestClusterClient.requestJobResult (cancelled job)", () -> clusterClient.requestJobResult(running));
        if (cancelled != null) {
            call("the cancelled job's result says CANCELED", () -> {
                expect(cancelled.getApplicationStatus() == ApplicationStatus.CANCELED, "status " + cancelled.getApplicationStatus());
                return null;
            });
        }

        checkJars(Paths.get(required(opts, "program")));
        checkSubmit(Paths.get(required(opts, "job-graph")), Paths.get(required(opts, "bundle")));
    }

    private void checkCluster() throws Exception {
        DashboardConfiguration dashboard =
                call("GET /config (DashboardConfigurationHeaders)",
                        () -> send(DashboardConfigurationHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        if (dashboard != null) {
            call("GET /config features", () -> {
                expect(dashboard.getFeatures().isWebCancelEnabled(), "web-cancel");
                expect(!dashboard.getFeatures().isWebRescaleEnabled(), "web-rescale");
                expect(!dashboard.getFeatures().isHistoryServer(), "web-history");
                return null;
            });
        }
        call("RestClusterClient.getClusterOverview (GET /overview)", () -> clusterClient.getClusterOverview());
        ClusterOverviewWithVersion overview =
                call("GET /overview (ClusterOverviewHeaders)",
                        () -> send(ClusterOverviewHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        TaskManagersInfo tms =
                call("GET /taskmanagers (TaskManagersHeaders)",
                        () -> send(TaskManagersHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        if (tms != null && overview != null) {
            call("GET /taskmanagers: one entry per TaskManager, heartbeat a point in time, heap as freeMemory", () -> {
                expect(tms.getTaskManagerInfos().size() == overview.getNumTaskManagersConnected(), "count");
                long now = System.currentTimeMillis();
                for (TaskManagerInfo tm : tms.getTaskManagerInfos()) {
                    expect(Math.abs(now - tm.getLastHeartbeat()) < 10 * 60_000, "timeSinceLastHeartbeat " + tm.getLastHeartbeat());
                    expect(tm.getHardwareDescription().getSizeOfJvmHeap() > 0, "freeMemory");
                }
                return null;
            });
            for (TaskManagerInfo tm : tms.getTaskManagerInfos()) {
                TaskManagerMessageParameters params = new TaskManagerMessageParameters();
                params.taskManagerIdParameter.resolve(new ResourceID(tm.getResourceId().getResourceIdString()));
                TaskManagerDetailsInfo details =
                        call("GET /taskmanagers/:taskmanagerid (TaskManagerDetailsHeaders)",
                                () -> send(TaskManagerDetailsHeaders.getInstance(), params));
                if (details != null) {
                    call("GET /taskmanagers/:taskmanagerid is that TaskManager", () -> {
                        expect(details.getResourceId().equals(tm.getResourceId()), "id " + details.getResourceId());
                        return null;
                    });
                }
            }
        }
        ConfigurationInfo config =
                call("GET /jobmanager/config (ClusterConfigurationInfoHeaders)",
                        () -> send(ClusterConfigurationInfoHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        if (config != null) {
            call("GET /jobmanager/config has rest.port", () -> {
                expect(config.stream().anyMatch(e -> e.getKey().equals("rest.port")), "no rest.port");
                return null;
            });
        }
        // EnvironmentInfo has no getters: that it parses is the check.
        call("GET /jobmanager/environment (JobManagerEnvironmentHeaders)",
                () -> send(JobManagerEnvironmentHeaders.getInstance(), EmptyMessageParameters.getInstance()));
    }

    private void checkJob(String label, JobID jobId, JobStatus expected) throws Exception {
        String of = " (" + label + " job)";
        JobStatus status = call("RestClusterClient.getJobStatus (GET /jobs/:jobid/status)" + of, () -> clusterClient.getJobStatus(jobId));
        if (status != null) {
            call("getJobStatus is " + expected + of, () -> {
                expect(status == expected, "status " + status);
                return null;
            });
        }
        JobDetailsInfo details = call("RestClusterClient.getJobDetails (GET /jobs/:jobid)" + of, () -> clusterClient.getJobDetails(jobId));
        JobStatusInfo statusInfo = call("GET /jobs/:jobid/status (JobStatusInfoHeaders)" + of, () -> send(JobStatusInfoHeaders.getInstance(), jobParams(jobId)));
        if (statusInfo != null) {
            call("JobStatusInfo is " + expected + of, () -> {
                expect(statusInfo.getJobStatus() == expected, "status " + statusInfo.getJobStatus());
                return null;
            });
        }
        call("GET /jobs/:jobid (JobDetailsHeaders)" + of, () -> send(JobDetailsHeaders.getInstance(), jobParams(jobId)));
        call("GET /jobs/:jobid/plan (JobPlanHeaders)" + of, () -> send(JobPlanHeaders.getInstance(), jobParams(jobId)));
        JobConfigInfo config = call("GET /jobs/:jobid/config (JobConfigHeaders)" + of, () -> send(JobConfigHeaders.getInstance(), jobParams(jobId)));
        if (config != null) {
            call("GET /jobs/:jobid/config has its execution-config" + of, () -> {
                expect(config.getExecutionConfigInfo() != null, "execution-config missing");
                expect(config.getJobId().equals(jobId), "jid " + config.getJobId());
                return null;
            });
        }
        JobExceptionsMessageParameters exceptionParams = new JobExceptionsMessageParameters();
        exceptionParams.jobPathParameter.resolve(jobId);
        JobExceptionsInfoWithHistory exceptions =
                call("GET /jobs/:jobid/exceptions (JobExceptionsHeaders)" + of, () -> send(JobExceptionsHeaders.getInstance(), exceptionParams));
        if (exceptions != null && expected == JobStatus.FAILED) {
            call("GET /jobs/:jobid/exceptions lists the failed task with its TaskManager" + of, () -> {
                expect(exceptions.getRootException() != null, "no root exception");
                expect(!exceptions.getExceptionHistory().getEntries().isEmpty(), "no history");
                return null;
            });
        }
        JobAccumulatorsMessageParameters accParams = new JobAccumulatorsMessageParameters();
        accParams.jobPathParameter.resolve(jobId);
        accParams.includeSerializedAccumulatorsParameter.resolve(Collections.singletonList(true));
        call("GET /jobs/:jobid/accumulators (JobAccumulatorsHeaders)" + of, () -> send(JobAccumulatorsHeaders.getInstance(), accParams));
        JobExecutionResultResponseBody result =
                call("GET /jobs/:jobid/execution-result (JobExecutionResultHeaders)" + of,
                        () -> send(JobExecutionResultHeaders.getInstance(), jobParams(jobId)));
        if (result != null) {
            call("execution-result is " + (expected.isGloballyTerminalState() ? "COMPLETED" : "IN_PROGRESS") + of, () -> {
                boolean completed = result.queueStatus().getId()
                        == org.apache.flink.runtime.rest.messages.queue.QueueStatus.Id.COMPLETED;
                expect(completed == expected.isGloballyTerminalState(), "queue status " + result.queueStatus().getId());
                return null;
            });
        }
        if (details != null) {
            for (JobDetailsInfo.JobVertexDetailsInfo v : details.getJobVertexInfos()) {
                JobVertexMessageParameters vp = new JobVertexMessageParameters();
                vp.jobPathParameter.resolve(jobId);
                vp.jobVertexIdPathParameter.resolve(v.getJobVertexID());
                JobVertexDetailsInfo vertex =
                        call("GET /jobs/:jobid/vertices/:vertexid (JobVertexDetailsHeaders)" + of,
                                () -> send(JobVertexDetailsHeaders.getInstance(), vp));
                if (vertex != null) {
                    call("vertex details have one entry per subtask" + of, () -> {
                        expect(vertex.getSubtasks().size() == v.getParallelism(), "subtasks " + vertex.getSubtasks().size());
                        return null;
                    });
                }
                MetricCollectionResponseBody watermarks =
                        call("GET /jobs/:jobid/vertices/:vertexid/watermarks (JobVertexWatermarksHeaders)" + of,
                                () -> send(JobVertexWatermarksHeaders.INSTANCE, vp));
                if (watermarks != null) {
                    call("watermarks are <subtask>.currentInputWatermark with a long value" + of, () -> {
                        for (org.apache.flink.runtime.rest.messages.job.metrics.Metric m : watermarks.getMetrics()) {
                            int dot = m.getId().indexOf('.');
                            int subtask = Integer.parseInt(m.getId().substring(0, dot));
                            expect(subtask >= 0 && subtask < v.getParallelism()
                                    && m.getId().substring(dot + 1).equals("currentInputWatermark"), "watermark id " + m.getId());
                            Long.parseLong(m.getValue());
                        }
                        return null;
                    });
                }
            }
        }
    }

    private void checkJars(Path program) throws Exception {
        JarUploadResponseBody upload =
                call("POST /jars/upload (JarUploadHeaders)",
                        () -> restClient.sendRequest(host, port, JarUploadHeaders.getInstance(), EmptyMessageParameters.getInstance(),
                                EmptyRequestBody.getInstance(),
                                Collections.singletonList(new FileUpload(program, "application/javascript"))));
        if (upload == null) {
            return;
        }
        String filename = upload.getFilename();
        String jarId = filename.substring(filename.lastIndexOf('/') + 1);
        JarListInfo list = call("GET /jars (JarListHeaders)", () -> send(JarListHeaders.getInstance(), EmptyMessageParameters.getInstance()));
        if (list != null) {
            call("GET /jars lists the upload", () -> {
                expect(list.jarFileList.stream().anyMatch(f -> f.id.equals(jarId)), "no " + jarId);
                return null;
            });
        }
        JarRunMessageParameters runParams = new JarRunMessageParameters();
        runParams.jarIdPathParameter.resolve(jarId);
        JarRunRequestBody runBody = new JarRunRequestBody(null, null, Collections.emptyList(), 1, null, null, null, null, null);
        JarRunResponseBody run = call("POST /jars/:jarid/run (JarRunHeaders)",
                () -> restClient.sendRequest(host, port, JarRunHeaders.getInstance(), runParams, runBody));
        if (run != null) {
            JobResult result = call("RestClusterClient.requestJobResult (job run from the uploaded program)",
                    () -> clusterClient.requestJobResult(run.getJobId()));
            if (result != null) {
                call("the job run from the upload SUCCEEDED", () -> {
                    expect(result.getApplicationStatus() == ApplicationStatus.SUCCEEDED, "status " + result.getApplicationStatus());
                    return null;
                });
            }
        }
        JarDeleteMessageParameters deleteParams = new JarDeleteMessageParameters();
        deleteParams.jarIdPathParameter.resolve(jarId);
        call("DELETE /jars/:jarid (JarDeleteHeaders)", () -> send(JarDeleteHeaders.getInstance(), deleteParams));
    }

    private void checkSubmit(Path jobGraph, Path bundle) throws Exception {
        JobSubmitRequestBody body = new JobSubmitRequestBody(
                jobGraph.getFileName().toString(),
                Collections.singletonList(bundle.getFileName().toString()),
                Collections.emptyList());
        List<FileUpload> files = new ArrayList<>();
        files.add(new FileUpload(jobGraph, "application/octet-stream"));
        files.add(new FileUpload(bundle, "application/octet-stream"));
        JobSubmitResponseBody submitted = call("POST /jobs (JobSubmitHeaders)",
                () -> restClient.sendRequest(host, port, JobSubmitHeaders.getInstance(), EmptyMessageParameters.getInstance(), body, files));
        if (submitted == null) {
            return;
        }
        JobID jobId = JobID.fromHexString(submitted.jobUrl.substring(submitted.jobUrl.lastIndexOf('/') + 1));
        JobResult result = call("RestClusterClient.requestJobResult (job submitted with POST /jobs)", () -> clusterClient.requestJobResult(jobId));
        if (result != null) {
            call("the submitted job SUCCEEDED", () -> {
                expect(result.getApplicationStatus() == ApplicationStatus.SUCCEEDED, "status " + result.getApplicationStatus());
                return null;
            });
        }
    }

    // --- plumbing -------------------------------------------------------------------------------------------

    static JobMessageParameters jobParams(JobID jobId) {
        JobMessageParameters params = new JobMessageParameters();
        params.jobPathParameter.resolve(jobId);
        return params;
    }

    <M extends org.apache.flink.runtime.rest.messages.MessageHeaders<EmptyRequestBody, P, U>,
                    U extends org.apache.flink.runtime.rest.messages.MessageParameters,
                    P extends org.apache.flink.runtime.rest.messages.ResponseBody>
            CompletableFuture<P> send(M headers, U params) throws Exception {
        return restClient.sendRequest(host, port, headers, params, EmptyRequestBody.getInstance());
    }

    interface Call<T> {
        Object run() throws Exception;
    }

    /** Runs one call (a future is awaited), prints ok or FAIL with the whole cause chain. */
    @SuppressWarnings("unchecked")
    <T> T call(String what, Call<T> call) {
        checks++;
        try {
            Object v = call.run();
            if (v instanceof CompletableFuture) {
                v = ((CompletableFuture<?>) v).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            System.out.println("ok    " + what);
            return (T) v;
        } catch (Throwable t) {
            failures.add(what);
            System.out.println("FAIL  " + what + ": " + describe(t));
            return null;
        }
    }

    static void expect(boolean condition, String detail) {
        if (!condition) {
            throw new AssertionError(detail);
        }
    }

    /** The messages of an error and all its causes. */
    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 20_000; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    private static String describe(Throwable t) {
        Throwable top = t;
        while ((top instanceof ExecutionException || top instanceof CompletionException) && top.getCause() != null) {
            top = top.getCause();
        }
        List<String> parts = new ArrayList<>();
        for (Throwable c = top; c != null && parts.size() < 10; c = c.getCause() == c ? null : c.getCause()) {
            parts.add(c.toString());
        }
        return String.join(" <- caused by: ", parts);
    }
}
