package dev.imagegen.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a money test compares: the spend the job recorded (its ledger, {@code model_call}) and what it shows (the
 * summary's cost line) against the fake provider's bill, to the cent.
 */
public final class Money {

    private static final Pattern SUMMARY_COST = Pattern.compile("(?m)^  cost +\\$([0-9]+\\.[0-9]+)");

    private Money() {}

    /** The ledger's total over every run of the database. */
    public static BigDecimal recorded(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT coalesce(sum(cost_usd), 0) FROM model_call", BigDecimal.class);
    }

    /** The ledger's total for one dataset (for test classes whose database outlives each test's fake). */
    public static BigDecimal recorded(JdbcTemplate jdbc, String dataset) {
        return jdbc.queryForObject(
                "SELECT coalesce(sum(cost_usd), 0) FROM model_call WHERE dataset = ?", BigDecimal.class, dataset);
    }

    /** The sum of the cost lines of every summary in {@code stdout} (one per execution run in it). */
    public static BigDecimal shown(String stdout) {
        Matcher m = SUMMARY_COST.matcher(stdout);
        BigDecimal sum = BigDecimal.ZERO;
        while (m.find()) {
            sum = sum.add(new BigDecimal(m.group(1)));
        }
        return sum;
    }

    public static BigDecimal cents(BigDecimal usd) {
        return usd.setScale(2, RoundingMode.HALF_EVEN);
    }

    /** The recorded spend equals the fake's bill, to the cent. */
    public static void assertRecordedIsTheBill(JdbcTemplate jdbc, FakeOpenRouter server) {
        assertThat(cents(recorded(jdbc)))
                .as("recorded spend (model_call) vs the provider's bill")
                .isEqualByComparingTo(cents(server.bill()));
    }

    /** The recorded spend of {@code dataset} equals the fake's bill, to the cent (the fake served only it). */
    public static void assertRecordedIsTheBill(JdbcTemplate jdbc, FakeOpenRouter server, String dataset) {
        assertThat(cents(recorded(jdbc, dataset)))
                .as("recorded spend of %s (model_call) vs the provider's bill", dataset)
                .isEqualByComparingTo(cents(server.bill()));
    }
}
