// The port between dataset references and the registry's versioned datasets (`dataset://name/version`,
// uploaded through PUT /v1/datasets/:name). The API pins a reference when a pipeline is submitted; the
// worker locates the pinned version's bytes in the artifact store when it reads them.
export interface DatasetCatalog {
  /**
   * `dataset://name/v` as is when that version exists, `dataset://name` as its newest version
   * (`dataset://name/v`). Throws WindsockError `not_found` naming the dataset or version otherwise.
   */
  pin(reference: string): Promise<string>;
  /** Where a pinned `dataset://name/v` lies in the artifact store, its bytes' sha256 and its header's columns. */
  locate(reference: string): Promise<{ uri: string; sha256: string; columns?: readonly string[] }>;
}
