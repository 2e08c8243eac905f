# The PlasmaVMC gateway as an image: `docker compose build plasmavmc-gateway` (context: the repository).
# Stage 1 builds the gateway and collects its runtime classpath; stage 2 builds grpc_health_probe
# for the container's health check; the image runs the gateway as an unprivileged user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -pl api-gateway -am install -DskipTests \
 && mvn -B -q -pl api-gateway dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
 && cp api-gateway/target/plasmavmc-api-gateway-*.jar /app/lib/

FROM golang:1.26 AS probe
RUN CGO_ENABLED=0 GOBIN=/out go install github.com/grpc-ecosystem/grpc-health-probe@v0.4.62

FROM eclipse-temurin:17-jre
COPY --from=build /app/lib /app/lib
COPY --from=probe /out/grpc-health-probe /usr/local/bin/grpc_health_probe
USER 65534:65534
EXPOSE 9090
ENTRYPOINT ["java", "-cp", "/app/lib/*", "io.plasmavmc.gateway.GatewayApplication"]
