/**
 * What `contextd locate` reads and keeps (daemon/locate/): a repository's commits with
 * the files each touched, its files' indexed text, and the ranking weights learned from
 * its own history. Plain data; both engines answer through locate-store.ts.
 */

/** A commit of the repository as change localization sees it (merges left out). Times are unix seconds. */
export interface LocateCommit {
  sha: string;
  authorTime: number;
  subject: string;
  body: string;
  /** Paths the commit changed (new names of renamed files). */
  files: string[];
  /** Renames and copies the commit made. */
  renames: { from: string; to: string }[];
}

/** A file of the view with its indexed text (its chunks in order). */
export interface LocateFileText {
  path: string;
  text: string;
}

/** Weights learned for a repository, with the commit its training stopped at. */
export interface StoredLocateModel {
  /** The newest commit the training used (never newer than the indexed commit). */
  trainedCommit: string;
  trainedAt: number;
  /** Commits of the repository's history when it was trained (refreshed as history grows). */
  historyCommits: number;
  /** The model as JSON (daemon/locate/model.ts owns its shape). */
  model: string;
}

export interface LocateStore {
  /** Every non-merge commit of the repository, oldest first (commit time: rebases and cherry-picks keep old author dates), with the files it changed. */
  locateCommits(repoId: number): Promise<LocateCommit[]>;
  /** Every indexed file of the repository's view with its chunk texts joined, by path. */
  locateFileTexts(repoId: number): Promise<LocateFileText[]>;
  getLocateModel(repoId: number): Promise<StoredLocateModel | null>;
  putLocateModel(repoId: number, model: StoredLocateModel): Promise<void>;
}
