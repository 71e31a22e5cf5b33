package io.settlement.app.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of the Grafana dashboard and the alert rules kept in {@code ops/}, and the metric
 * names they query, so a test can check each against what the app exposes.
 */
final class MonitoringQueries {
    static final Path OPS = Path.of("..", "ops");
    static final Path DASHBOARD = OPS.resolve("grafana/dashboards/settlement.json");
    static final Path ALERTS = OPS.resolve("prometheus/alerts.yml");

    /** A name in PromQL: an identifier not followed by '(' (a function) and not a label or keyword. */
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "max", "min", "avg", "count", "rate", "increase", "deriv",
            "histogram_quantile", "by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "offset", "bool");

    private MonitoringQueries() {}

    static List<String> dashboardExpressions() {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : read(new ObjectMapper(), DASHBOARD).get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                expressions.add(target.get("expr").asText());
            }
        }
        return expressions;
    }

    static List<String> alertExpressions() {
        List<String> expressions = new ArrayList<>();
        for (JsonNode group : read(new ObjectMapper(new YAMLFactory()), ALERTS).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                expressions.add(rule.get("expr").asText());
            }
        }
        return expressions;
    }

    /** The metric names an expression reads: label matchers, label lists, strings, durations and functions removed. */
    static Set<String> metricNames(String expression) {
        String stripped = expression
                .replaceAll("\\{[^}]*}", " ")          // label matchers
                .replaceAll("\\[[^]]*]", " ")          // range durations
                .replaceAll("\"[^\"]*\"", " ")         // strings
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " "); // label lists
        Set<String> names = new TreeSet<>();
        Matcher matcher = IDENTIFIER.matcher(stripped);
        while (matcher.find()) {
            String word = matcher.group();
            int after = matcher.end();
            while (after < stripped.length() && stripped.charAt(after) == ' ') {
                after++;
            }
            boolean function = after < stripped.length() && stripped.charAt(after) == '(';
            if (!function && !PROMQL_WORDS.contains(word) && !word.matches("\\d.*")) {
                names.add(word);
            }
        }
        return names;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath(), e);
        }
    }
}
