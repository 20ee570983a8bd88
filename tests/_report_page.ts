/// <reference lib="dom" />
/**
 * A stand-in for an HTML report's page, for the tests of
 * `EmbeddedProfileSource` (`ui/source.ts`) that run without a browser.
 */

/**
 * A page holding the given data elements, as an HTML report does: each
 * path's bytes gzip-compressed and base64-encoded, with their length.
 */
export async function reportPage(
  data: Record<string, Uint8Array>,
): Promise<ParentNode> {
  const elements = await Promise.all(
    Object.entries(data).map(async ([path, bytes]) => {
      const gzipped = new Uint8Array(
        await new Response(
          new Blob([bytes.slice()]).stream().pipeThrough(
            new CompressionStream("gzip"),
          ),
        ).arrayBuffer(),
      );
      const attributes: Record<string, string> = {
        type: "application/x-profiling-explorer",
        "data-path": path,
        "data-length": String(bytes.length),
      };
      return {
        textContent: btoa(String.fromCharCode(...gzipped)),
        getAttribute: (name: string) => attributes[name] ?? null,
      };
    }),
  );
  return { querySelectorAll: () => elements } as unknown as ParentNode;
}
