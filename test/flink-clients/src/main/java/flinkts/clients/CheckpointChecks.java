package flinkts.clients;

import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.rest.messages.MessagePathParameter;
import org.apache.flink.runtime.rest.messages.JobVertexIdPathParameter;
import org.apache.flink.runtime.rest.messages.TriggerId;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointConfigInfo;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointIdPathParameter;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatisticDetailsHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.SubtaskCheckpointStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.checkpoints.TaskCheckpointStatisticsWithSubtaskDetails;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointInfo;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointStatusHeaders;
import org.apache.flink.runtime.rest.messages.job.savepoints.SavepointStatusMessageParameters;
import org.apache.flink.runtime.rest.handler.async.AsynchronousOperationResult;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.queue.QueueStatus;
import org.apache.flink.runtime.rest.util.RestClientException;
import org.apache.flink.util.SerializedThrowable;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static flinkts.clients.FlinkClientsCheck.chain;
import static flinkts.clients.FlinkClientsCheck.expect;
import static flinkts.clients.FlinkClientsCheck.jobParams;
import static flinkts.clients.FlinkClientsCheck.required;

/**
 * Flink 1.20's RestClusterClient and RestClient on the checkpoint and savepoint endpoints: triggerSavepoint,
 * triggerDetachedSavepoint, stopWithSavepoint, cancelWithSavepoint and disposeSavepoint, and the checkpoint
 * statistics, settings and details through Flink's MessageHeaders.
 *
 * <p>{@code savepoints} mode runs against a flink-ts REST endpoint whose dispatcher answers with canned data
 * (the test knows what to expect); {@link #checkOnCluster} runs inside {@code check}, against a real cluster.
 */
final class CheckpointChecks {

    private static final long TIMEOUT_SECONDS = 30;

    private final FlinkClientsCheck c;

    CheckpointChecks(FlinkClientsCheck c) {
        this.c = c;
    }

    /**
     * {@code savepoints --rest HOST:PORT --job J --stop-job J --cancel-job J --failing-job J --failure-text T
     * --target DIR --stats-job J --empty-job J --checkpoint N --vertex V --dispose PATH --bad-dispose PATH
     * --bad-dispose-text T}.
     */
    void checkSavepointsAndStatistics(Map<String, String> opts) throws Exception {
        JobID job = JobID.fromHexString(required(opts, "job"));
        JobID stopJob = JobID.fromHexString(required(opts, "stop-job"));
        JobID cancelJob = JobID.fromHexString(required(opts, "cancel-job"));
        JobID failingJob = JobID.fromHexString(required(opts, "failing-job"));
        String failureText = required(opts, "failure-text");
        String target = required(opts, "target");

        String location = c.call("RestClusterClient.triggerSavepoint (POST /jobs/:jobid/savepoints, polled)",
                () -> c.clusterClient.triggerSavepoint(job, target, SavepointFormatType.CANONICAL));
        if (location != null) {
            c.call("triggerSavepoint answers the savepoint's directory", () -> {
                expect(location.startsWith(target + "/savepoint-"), "location " + location);
                return null;
            });
        }
        String triggerId = c.call("RestClusterClient.triggerDetachedSavepoint (POST /jobs/:jobid/savepoints)",
                () -> c.clusterClient.triggerDetachedSavepoint(job, target, SavepointFormatType.NATIVE));
        if (triggerId != null) {
            c.call("GET /jobs/:jobid/savepoints/:triggerid (SavepointStatusHeaders) reaches COMPLETED with a location",
                    () -> {
                        SavepointStatusMessageParameters params = new SavepointStatusMessageParameters();
                        params.jobIdPathParameter.resolve(job);
                        params.triggerIdPathParameter.resolve(TriggerId.fromHexString(triggerId));
                        for (int i = 0; i < 100; i++) {
                            AsynchronousOperationResult<SavepointInfo> r = c.restClient
                                    .sendRequest(c.host, c.port, SavepointStatusHeaders.getInstance(), params, EmptyRequestBody.getInstance())
                                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                            if (r.queueStatus().getId() == QueueStatus.Id.COMPLETED) {
                                expect(r.resource().getLocation() != null && r.resource().getFailureCause() == null, "no location");
                                return null;
                            }
                            Thread.sleep(20);
                        }
                        throw new AssertionError("still IN_PROGRESS");
                    });
        }
        c.call("RestClusterClient.triggerSavepoint of a failing savepoint throws the cluster's failure cause", () -> {
            try {
                c.clusterClient.triggerSavepoint(failingJob, target, SavepointFormatType.CANONICAL).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                throw new AssertionError("no exception");
            } catch (ExecutionException e) {
                expect(chain(e).contains(failureText), "cause chain: " + chain(e));
                expect(hasSerializedThrowable(e), "no SerializedThrowable in " + chain(e));
            }
            return null;
        });
        String stopped = c.call("RestClusterClient.stopWithSavepoint (POST /jobs/:jobid/stop, polled)",
                () -> c.clusterClient.stopWithSavepoint(stopJob, true, target, SavepointFormatType.CANONICAL));
        if (stopped != null) {
            c.call("stopWithSavepoint answers the savepoint's directory", () -> {
                expect(stopped.startsWith(target + "/savepoint-"), "location " + stopped);
                return null;
            });
        }
        String cancelled = c.call("RestClusterClient.cancelWithSavepoint (POST /jobs/:jobid/savepoints with cancel-job)",
                () -> c.clusterClient.cancelWithSavepoint(cancelJob, target, SavepointFormatType.CANONICAL));
        if (cancelled != null) {
            c.call("cancelWithSavepoint answers the savepoint's directory", () -> {
                expect(cancelled.startsWith(target + "/savepoint-"), "location " + cancelled);
                return null;
            });
        }
        c.call("RestClusterClient.disposeSavepoint (POST /savepoint-disposal, polled)",
                () -> c.clusterClient.disposeSavepoint(required(opts, "dispose")));
        checkFailedDisposal(required(opts, "bad-dispose"), required(opts, "bad-dispose-text"));

        checkStatistics(JobID.fromHexString(required(opts, "stats-job")), Long.parseLong(required(opts, "checkpoint")),
                JobVertexID.fromHexString(required(opts, "vertex")));
        CheckpointingStatistics empty = c.call("GET /jobs/:jobid/checkpoints of a job without checkpoints (NaN percentiles)",
                () -> c.send(CheckpointingStatisticsHeaders.getInstance(), jobParams(JobID.fromHexString(required(opts, "empty-job")))));
        if (empty != null) {
            c.call("a job without checkpoints has no latest checkpoints and NaN percentiles", () -> {
                expect(empty.getLatestCheckpoints().getCompletedCheckpointStatistics() == null, "latest completed");
                expect(Double.isNaN(empty.getSummary().getDuration().getP50()), "p50 " + empty.getSummary().getDuration().getP50());
                expect(empty.getHistory().isEmpty(), "history");
                return null;
            });
        }
    }

    /** The canned statistics of the test: 5 in progress, 4 failed, 3 a savepoint, 2 and 1 completed; restored from 0. */
    private void checkStatistics(JobID job, long checkpointId, JobVertexID vertex) throws Exception {
        CheckpointingStatistics stats = c.call("GET /jobs/:jobid/checkpoints (CheckpointingStatisticsHeaders)",
                () -> c.send(CheckpointingStatisticsHeaders.getInstance(), jobParams(job)));
        if (stats != null) {
            c.call("the checkpoint statistics say what the job master reported", () -> {
                expect(stats.getCounts().getNumberCompletedCheckpoints() == 6, "completed " + stats.getCounts().getNumberCompletedCheckpoints());
                expect(stats.getCounts().getNumberInProgressCheckpoints() == 1, "in progress");
                CheckpointStatistics.CompletedCheckpointStatistics latest = stats.getLatestCheckpoints().getCompletedCheckpointStatistics();
                expect(latest != null && latest.getId() == 2 && latest.getExternalPath().endsWith("/chk-2"), "latest completed " + latest);
                expect(stats.getLatestCheckpoints().getSavepointStatistics().isSavepoint(), "latest savepoint");
                expect("Checkpoint expired before completing.".equals(
                        stats.getLatestCheckpoints().getFailedCheckpointStatistics().getFailureMessage()), "latest failed");
                expect(stats.getLatestCheckpoints().getRestoredCheckpointStatistics().getId() == 0, "restored");
                expect(stats.getHistory().size() == 5, "history " + stats.getHistory().size());
                expect(stats.getHistory().get(0) instanceof CheckpointStatistics.PendingCheckpointStatistics, "history[0] in progress");
                expect(stats.getHistory().get(1) instanceof CheckpointStatistics.FailedCheckpointStatistics, "history[1] failed");
                expect(stats.getHistory().get(2) instanceof CheckpointStatistics.CompletedCheckpointStatistics, "history[2] completed");
                expect(stats.getSummary().getDuration().getP50() == 120.0, "p50 " + stats.getSummary().getDuration().getP50());
                expect(stats.getSummary().getDuration().getMaximum() == 400, "max");
                return null;
            });
        }
        CheckpointConfigInfo config = c.call("GET /jobs/:jobid/checkpoints/config (CheckpointConfigHeaders)",
                () -> c.send(CheckpointConfigHeaders.getInstance(), jobParams(job)));
        if (config != null) {
            c.call("the checkpoint settings are the job's", () -> {
                CheckpointConfigInfo expected = new CheckpointConfigInfo(
                        CheckpointConfigInfo.ProcessingMode.EXACTLY_ONCE, 500, 600_000, 0, 1,
                        new CheckpointConfigInfo.ExternalizedCheckpointInfo(false, true),
                        "HashMapStateBackend", "FileSystemCheckpointStorage", false, 0, 0, true, false, 600_000, null);
                expect(expected.equals(config), "config " + config);
                return null;
            });
        }
        CheckpointMessageParameters details = new CheckpointMessageParameters();
        resolve(details, job, checkpointId, null);
        CheckpointStatistics one = c.call("GET /jobs/:jobid/checkpoints/details/:checkpointid (CheckpointStatisticDetailsHeaders)",
                () -> c.send(CheckpointStatisticDetailsHeaders.getInstance(), details));
        if (one != null) {
            c.call("the checkpoint details have a line per vertex", () -> {
                expect(one.getId() == checkpointId, "id " + one.getId());
                expect(one.getCheckpointStatisticsPerTask().containsKey(vertex), "tasks " + one.getCheckpointStatisticsPerTask().keySet());
                return null;
            });
        }
        TaskCheckpointMessageParameters task = new TaskCheckpointMessageParameters();
        resolve(task, job, checkpointId, vertex);
        TaskCheckpointStatisticsWithSubtaskDetails subtasks =
                c.call("GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid (TaskCheckpointStatisticsHeaders)",
                        () -> c.send(TaskCheckpointStatisticsHeaders.getInstance(), task));
        if (subtasks != null) {
            c.call("the subtask details: one acknowledged, one pending", () -> {
                expect(subtasks.getSubtaskCheckpointStatistics().size() == 2, "subtasks");
                expect(subtasks.getSubtaskCheckpointStatistics().get(0)
                        instanceof SubtaskCheckpointStatistics.CompletedSubtaskCheckpointStatistics, "subtask 0");
                expect(subtasks.getSubtaskCheckpointStatistics().get(1)
                        instanceof SubtaskCheckpointStatistics.PendingSubtaskCheckpointStatistics, "subtask 1");
                return null;
            });
        }
        CheckpointMessageParameters unknown = new CheckpointMessageParameters();
        resolve(unknown, job, 99, null);
        expectNotFound("GET /jobs/:jobid/checkpoints/details/99 answers 404",
                () -> c.send(CheckpointStatisticDetailsHeaders.getInstance(), unknown), "Could not find checkpointing statistics for checkpoint 99.");
    }

    /**
     * Inside {@code check}, on a real cluster: the statistics and settings of a running streaming job parse, a
     * batch job answers 404, and disposeSavepoint removes a savepoint directory and refuses a plain directory.
     */
    void checkOnCluster(JobID streaming, JobID batch, Map<String, String> opts) throws Exception {
        c.call("GET /jobs/:jobid/checkpoints (CheckpointingStatisticsHeaders, running job)",
                () -> c.send(CheckpointingStatisticsHeaders.getInstance(), jobParams(streaming)));
        c.call("GET /jobs/:jobid/checkpoints/config (CheckpointConfigHeaders, running job)",
                () -> c.send(CheckpointConfigHeaders.getInstance(), jobParams(streaming)));
        expectNotFound("GET /jobs/:jobid/checkpoints of a batch job answers 404",
                () -> c.send(CheckpointingStatisticsHeaders.getInstance(), jobParams(batch)), "Checkpointing has not been enabled.");
        c.call("RestClusterClient.disposeSavepoint removes a savepoint directory (POST /savepoint-disposal)",
                () -> c.clusterClient.disposeSavepoint(required(opts, "savepoint")));
        checkFailedDisposal(required(opts, "not-a-savepoint"), "is not a savepoint");
    }

    /**
     * {@code real-savepoints --rest HOST:PORT --job J --stop-job J --target DIR}: against a real cluster, a savepoint
     * of a running job, then stop-with-savepoint of another; prints each location as {@code LOCATION <what> <path>}.
     */
    void checkRealSavepoints(Map<String, String> opts) throws Exception {
        JobID job = JobID.fromHexString(required(opts, "job"));
        JobID stopJob = JobID.fromHexString(required(opts, "stop-job"));
        String target = required(opts, "target");
        String location = c.call("RestClusterClient.triggerSavepoint of a running job",
                () -> c.clusterClient.triggerSavepoint(job, target, SavepointFormatType.CANONICAL));
        if (location != null) {
            System.out.println("LOCATION savepoint " + location);
        }
        CheckpointingStatistics stats = c.call("GET /jobs/:jobid/checkpoints after the savepoint",
                () -> c.send(CheckpointingStatisticsHeaders.getInstance(), jobParams(job)));
        if (stats != null) {
            c.call("the statistics name the savepoint as the latest one", () -> {
                expect(stats.getLatestCheckpoints().getSavepointStatistics() != null, "no latest savepoint");
                expect(location != null && location.equals(stats.getLatestCheckpoints().getSavepointStatistics().getExternalPath()),
                        "external path " + stats.getLatestCheckpoints().getSavepointStatistics().getExternalPath());
                return null;
            });
        }
        String stopped = c.call("RestClusterClient.stopWithSavepoint of a running job",
                () -> c.clusterClient.stopWithSavepoint(stopJob, false, target, SavepointFormatType.CANONICAL));
        if (stopped != null) {
            System.out.println("LOCATION stop " + stopped);
        }
    }

    private void checkFailedDisposal(String path, String text) {
        c.call("RestClusterClient.disposeSavepoint of something else throws the cluster's reason", () -> {
            try {
                c.clusterClient.disposeSavepoint(path).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                throw new AssertionError("no exception");
            } catch (ExecutionException e) {
                expect(chain(e).contains(text), "cause chain: " + chain(e));
            }
            return null;
        });
    }

    private void expectNotFound(String what, FlinkClientsCheck.Call<Object> call, String message) {
        c.call(what, () -> {
            try {
                Object v = call.run();
                if (v instanceof java.util.concurrent.CompletableFuture) {
                    ((java.util.concurrent.CompletableFuture<?>) v).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
                throw new AssertionError("no exception");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                expect(cause instanceof RestClientException
                        && ((RestClientException) cause).getHttpResponseStatus().code() == 404, "not a 404: " + chain(e));
                expect(chain(e).contains(message), "message: " + chain(e));
            }
            return null;
        });
    }

    /** The path parameters Flink keeps protected, resolved through the public list. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void resolve(CheckpointMessageParameters params, JobID job, long checkpointId, JobVertexID vertex) {
        for (MessagePathParameter p : params.getPathParameters()) {
            if (p instanceof CheckpointIdPathParameter) {
                p.resolve(checkpointId);
            } else if (p instanceof JobVertexIdPathParameter) {
                p.resolve(vertex);
            } else {
                p.resolve(job);
            }
        }
    }

    private static boolean hasSerializedThrowable(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
            if (x instanceof SerializedThrowable) {
                return true;
            }
        }
        return false;
    }
}
