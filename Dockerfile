# The explorer as a container: a multi-stage build of one executable.
#
#   docker build -t profiling-explorer .
#   docker run --rm -p 8099:8099 -v "$PWD:/data" profiling-explorer run.pstats
#
# then open http://127.0.0.1:8099/. The profile is read from /data (the
# working directory), so a name relative to the mounted directory, or an
# absolute /data/... path, both work. Reports work too:
#
#   docker run --rm -v "$PWD:/data" profiling-explorer --format csv run.pstats

# Build: bundle the web page (deno task build, a dependency of compile) and
# compile main.ts for this platform into dist/profiling-explorer. This stage
# downloads the npm packages and the Deno runtime (denort).
FROM denoland/deno:2.9.6 AS build
WORKDIR /app
COPY . .
RUN deno task compile

# Run: the executable alone, on a small image with glibc, as a non-root user.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /app/dist/profiling-explorer /profiling-explorer
WORKDIR /data
EXPOSE 8099
# Listen on every interface of the container (the port mapping decides who
# can reach it) and never try to open a browser. docker stop sends SIGTERM,
# which the program handles by closing the server and exiting 0.
ENTRYPOINT ["/profiling-explorer", "--host", "0.0.0.0", "--no-open"]
