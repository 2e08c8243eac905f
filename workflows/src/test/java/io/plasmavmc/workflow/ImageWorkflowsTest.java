package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.image.ImageImportWorkflow;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImageStoreWorkflow;
import io.plasmavmc.contract.image.ImageStoreWorkflow.Action;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The image store's and the image import's workflows in Temporal's test environment against an in-memory store. */
class ImageWorkflowsTest {
  private static final String HOST = "h1";
  private static final Duration HOST_TIMEOUT = Duration.ofSeconds(5);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeImageStore store;
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    env.newWorker(TaskQueues.CONTROL).registerWorkflowImplementationTypes(ImageStoreWorkflowImpl.class, ImageImportWorkflowImpl.class);
    store = new FakeImageStore();
    env.newWorker(TaskQueues.host(HOST)).registerActivitiesImplementations(store);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private List<ImageInfo> ask(String hostId, Action action, String name) {
    ImageStoreWorkflow workflow = client.newWorkflowStub(ImageStoreWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(ImageStoreWorkflow.workflowId(hostId, "req-" + requests.incrementAndGet())).setTaskQueue(TaskQueues.CONTROL).build());
    return workflow.run(hostId, action, name, HOST_TIMEOUT);
  }

  private ImageImportWorkflow importer(String name) {
    return client.newWorkflowStub(ImageImportWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(ImageImportWorkflow.workflowId(HOST, name)).setTaskQueue(TaskQueues.CONTROL).build());
  }

  /** The type the workflow failed with, as the gateway sees it. */
  private static String failureType(Executable run) {
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, run);
    return assertInstanceOf(ApplicationFailure.class, e.getCause()).getType();
  }

  @Test
  void theStoreListsGetsAndDeletesImages() {
    store.add("debian-12", "vm-a");
    store.add("alpine");
    assertEquals(List.of("alpine", "debian-12"), ask(HOST, Action.LIST, null).stream().map(ImageInfo::name).toList());
    assertEquals(List.of("vm-a"), ask(HOST, Action.GET, "debian-12").get(0).usedBy());
    assertEquals(List.of(), ask(HOST, Action.DELETE, "alpine"));
    assertEquals(List.of("debian-12"), ask(HOST, Action.LIST, null).stream().map(ImageInfo::name).toList());
  }

  @Test
  void theStoresReasonsReachTheGatewayAsTheyAre() {
    store.add("debian-12", "vm-a");
    assertEquals(FailureReasons.IMAGE_NOT_FOUND, failureType(() -> ask(HOST, Action.GET, "nope")));
    assertEquals(FailureReasons.IMAGE_IN_USE, failureType(() -> ask(HOST, Action.DELETE, "debian-12")));
    assertEquals(FailureReasons.HOST_UNAVAILABLE, failureType(() -> ask("no-such-host", Action.LIST, null)));
    assertEquals(FailureReasons.INVALID_SPEC, failureType(() -> ask(HOST, null, null)));
  }

  @Test
  void anImportIsImportingUntilTheHostIsDoneThenDone() throws Exception {
    store.importsMayEnd = new CountDownLatch(1);
    ImageImportWorkflow workflow = importer("ubuntu");
    WorkflowClient.start(workflow::importImage, HOST, "ubuntu", "ubuntu.img", DiskFormat.QCOW2, HOST_TIMEOUT);
    assertTrue(store.importStarted.tryAcquire(10, TimeUnit.SECONDS), "the host imports");
    assertEquals("importing", workflow.progress().phase());
    store.importsMayEnd.countDown();
    ImageInfo image = WorkflowStub.fromTyped(workflow).getResult(10, TimeUnit.SECONDS, ImageInfo.class);
    assertEquals(DiskFormat.QCOW2, image.format());
    ImportProgress done = workflow.progress();
    assertEquals("done", done.phase());
    assertEquals(100, done.percent());
    assertEquals(List.of("ubuntu"), ask(HOST, Action.LIST, null).stream().map(ImageInfo::name).toList());
  }

  @Test
  void anImportWhoseWorkerDiedStartsAgainOnTheNext() {
    store.importAttemptsLost.set(1);
    ImageInfo image = importer("alpine").importImage(HOST, "alpine", "alpine.qcow2", null, HOST_TIMEOUT);
    assertEquals("alpine", image.name());
    assertEquals(2, store.imports.get());
  }

  @Test
  void anImportOfANameTakenFailsAsSuch() {
    store.add("debian-12");
    ImageImportWorkflow workflow = importer("debian-12");
    assertEquals(FailureReasons.IMAGE_EXISTS, failureType(() -> workflow.importImage(HOST, "debian-12", "other.qcow2", null, HOST_TIMEOUT)));
    assertEquals("failed", workflow.progress().phase());
    assertEquals(1, store.imports.get(), "not retried");
  }
}
