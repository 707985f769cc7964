package dev.imagegen.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagegen.testing.FakeOpenRouter;
import dev.imagegen.testing.FunctionalTest;
import dev.imagegen.testing.TestJob;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code imagegen reconcile}: calls recorded at an estimate (the answer stated no cost) are settled at what the
 * provider billed, to the cent; a second reconcile does nothing; an interrupted one resumes; 404s, 429s and a refused
 * key are handled.
 */
class ReconcileFunctionalTests extends FunctionalTest {

    private TestJob job;
    private int timedOut;

    /**
     * Four prompts whose answers state no cost, so the run records them at an estimate; the first attempt of one of
     * them times out (the provider finishes and bills it after the client gave up), so it is recorded as possibly
     * billed, without a generation id, and retried.
     */
    @BeforeEach
    void aRunWithEstimatedCosts() throws Exception {
        server.behaviour(call -> call.prompt().contains("slow") && call.attempt() == 1
                ? server.successWithoutCost(call).withDelay(5000)
                : server.successWithoutCost(call));
        job = TestJob.openRouter(dir, db, server, null)
                .prompts("a", "one, slow", "b", "two", "c", "three", "d", "four");
        TestJob.Result run = job.run("run", "--run-id", "r1", "--set", "model.timeout=2s");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        // The timed-out answer is finished (and billed) by the provider after the client left.
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> server.inFlight() == 0);
        // (On a loaded machine another first attempt may time out too: it is one more possibly billed call.)
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT cost_basis || ':' || (generation_id IS NOT NULL) FROM "
                                + "model_call ORDER BY 1",
                        String.class))
                .containsExactly("estimated:true", "possibly_billed:false");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM model_call WHERE cost_basis = 'estimated'", Integer.class))
                .isEqualTo(4);
        timedOut = jdbc.queryForObject(
                "SELECT count(*) FROM model_call WHERE cost_basis = 'possibly_billed'", Integer.class);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM generated_image WHERE cost_estimated", Integer.class))
                .isEqualTo(4);
    }

    /** What the provider billed for the generations the ledger names. */
    private BigDecimal billedForLedger() {
        List<String> ids =
                jdbc.queryForList("SELECT generation_id FROM model_call WHERE generation_id IS NOT NULL", String.class);
        assertThat(server.generations().keySet()).containsAll(ids);
        return ids.stream()
                .map(id -> BigDecimal.valueOf(server.generations().get(id).paid()))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** The ledger's sum over the calls that have a generation id. */
    private BigDecimal ledger() {
        return jdbc.queryForObject(
                "SELECT sum(cost_usd) FROM model_call WHERE generation_id IS NOT NULL", BigDecimal.class);
    }

    private BigDecimal ledgerTotal() {
        return jdbc.queryForObject("SELECT sum(cost_usd) FROM model_call", BigDecimal.class);
    }

    private static BigDecimal cents(double usd) {
        return BigDecimal.valueOf(usd).setScale(2, java.math.RoundingMode.HALF_UP);
    }

    @Test
    void settlesEstimatedCostsAtTheProvidersBillToTheCent() throws Exception {
        double estimated = ledger().doubleValue();
        assertThat(cents(estimated)).isNotEqualTo(cents(billedForLedger().doubleValue()));

        TestJob.Result r = job.run("reconcile");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(cents(ledger().doubleValue()))
                .isEqualTo(cents(billedForLedger().doubleValue()));
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT cost_basis FROM model_call WHERE generation_id IS NOT NULL", String.class))
                .containsExactly("known");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM model_call WHERE reconciled_at IS NOT NULL", Integer.class))
                .isEqualTo(4);
        // Each image carries its call's billed cost, no longer marked estimated.
        for (Map<String, Object> image :
                jdbc.queryForList("SELECT generation_id, cost_usd, cost_estimated " + "FROM generated_image")) {
            double billed = server.generations()
                    .get((String) image.get("generation_id"))
                    .paid();
            assertThat(((BigDecimal) image.get("cost_usd")).doubleValue())
                    .isCloseTo(billed, org.assertj.core.data.Offset.offset(1e-8));
            assertThat(image.get("cost_estimated")).isEqualTo(false);
        }
        assertThat(r.stdout())
                .contains("4 calls with an estimated cost and a generation id, " + timedOut + " without one")
                .contains(String.format(java.util.Locale.ROOT, "$%.4f", estimated))
                .contains(String.format(
                        java.util.Locale.ROOT, "+$%.4f", billedForLedger().doubleValue() - estimated))
                .contains("not reconcilable: " + timedOut + " call" + (timedOut == 1 ? "" : "s")
                        + " whose answer never arrived");
        assertThat(server.metadataRequests().stream().filter(m -> m.contains("/generation")))
                .hasSize(4);
        // The call without a generation id stays as it was.
        assertThat(jdbc.queryForList(
                        "SELECT DISTINCT cost_basis || ':' || (reconciled_at IS NULL) FROM model_call "
                                + "WHERE generation_id IS NULL",
                        String.class))
                .containsExactly("possibly_billed:true");
        assertThat(server.calls()).isEqualTo(4 + timedOut); // the run's attempts; reconcile generated nothing
        // The whole bill: the ledger, less the timed-out call's estimate, plus what the provider billed for it.
        List<String> unmatched = server.generations().keySet().stream()
                .filter(id -> jdbc.queryForObject(
                                "SELECT count(*) FROM model_call WHERE generation_id = ?", Integer.class, id)
                        == 0)
                .toList();
        assertThat(unmatched).hasSize(timedOut);
        BigDecimal possibly = jdbc.queryForObject(
                "SELECT sum(cost_usd) FROM model_call WHERE generation_id IS NULL", BigDecimal.class);
        double billedForTimedOut = unmatched.stream()
                .mapToDouble(id -> server.generations().get(id).paid())
                .sum();
        assertThat(cents(ledgerTotal().subtract(possibly).doubleValue() + billedForTimedOut))
                .isEqualTo(cents(server.bill().doubleValue()));

        Map<String, Integer> lookups = server.generationLookups();
        TestJob.Result again = job.run("reconcile");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.stdout())
                .contains("0 calls with an estimated cost and a generation id, " + timedOut + " without one");
        assertThat(server.generationLookups()).isEqualTo(lookups);
        assertThat(cents(ledger().doubleValue()))
                .isEqualTo(cents(billedForLedger().doubleValue()));
    }

    @Test
    void anInterruptedReconcileResumesWithWhatIsLeft() throws Exception {
        // OpenRouter answers the first two lookups, then is down.
        AtomicInteger lookups = new AtomicInteger();
        server.metadataReplies((path, reply) -> path.endsWith("/generation") && lookups.incrementAndGet() > 2
                ? FakeOpenRouter.Reply.json(502, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}")
                : reply);

        TestJob.Result first = job.run("reconcile", "--run-id", "r1");

        assertThat(first.exitCode()).as(first.toString()).isEqualTo(1);
        assertThat(first.stdout()).contains("left for later: 2 calls").contains("run reconcile again later");
        List<Map<String, Object>> settled = jdbc.queryForList(
                "SELECT id, reconciled_at FROM model_call " + "WHERE reconciled_at IS NOT NULL ORDER BY id");
        assertThat(settled).hasSize(2);
        List<String> left = jdbc.queryForList(
                "SELECT generation_id FROM model_call WHERE reconciled_at IS NULL "
                        + "AND generation_id IS NOT NULL ORDER BY id",
                String.class);
        assertThat(left).hasSize(2);

        server.metadataReplies((path, reply) -> reply);
        int before = server.metadataRequests().size();
        TestJob.Result second = job.run("reconcile", "--run-id", "r1");

        assertThat(second.exitCode()).as(second.toString()).isZero();
        // Only what was left is asked for; what was settled keeps its settlement.
        assertThat(server.metadataRequests()
                        .subList(before, server.metadataRequests().size()))
                .containsExactlyElementsOf(left.stream()
                        .map(id -> "GET /api/v1/generation?id=" + id)
                        .toList());
        assertThat(jdbc.queryForList("SELECT id, reconciled_at FROM model_call WHERE id IN ("
                        + settled.stream()
                                .map(m -> String.valueOf(m.get("id")))
                                .reduce((a, b) -> a + "," + b)
                                .orElseThrow()
                        + ") ORDER BY id"))
                .isEqualTo(settled);
        assertThat(cents(ledger().doubleValue()))
                .isEqualTo(cents(billedForLedger().doubleValue()));
    }

    @Test
    void waitsForAGenerationNotYetAvailableAndForA429() throws Exception {
        server.generationNotFoundLookups(1);
        AtomicInteger lookups = new AtomicInteger();
        server.metadataReplies((path, reply) -> path.endsWith("/generation") && lookups.incrementAndGet() == 1
                ? FakeOpenRouter.Reply.json(429, "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}")
                        .withHeader("Retry-After", "1")
                : reply);

        TestJob.Result r = job.run("reconcile");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("slow down 1 time (HTTP 429)");
        assertThat(cents(ledger().doubleValue()))
                .isEqualTo(cents(billedForLedger().doubleValue()));
        assertThat(server.generationLookups().values())
                .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
    }

    @Test
    void aRefusedKeyStopsWithExit3AndSettlesNothing() throws Exception {
        server.requireKey("another-key");

        TestJob.Result r = job.run("reconcile");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stdout()).contains("stopped: GET /generation answered HTTP 401");
        assertThat(r.stdout() + r.stderr()).doesNotContain("test-key-123");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM model_call WHERE reconciled_at IS NOT NULL", Integer.class))
                .isZero();
    }

    @Test
    void anUnknownRunIdIsExit2() throws Exception {
        TestJob.Result r = job.run("reconcile", "--run-id", "nope");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("has no run 'nope'");
    }
}
