"""A peer that serves like the original openclaw-gpu-bridge service, for bench/original-style.ts: FastAPI on uvicorn,
sentence-transformers `encode` for /embed and bert_score for /bertscore, one request at a time per slot behind an
asyncio semaphore of 2, the model work in a thread so the event loop stays free. The models are loaded once at
start (as a long-running service keeps them), from a local folder.

    python bench/peers/original_style.py --model-dir DIR --num-layers 6 --port PORT
"""

import argparse
import asyncio

import bert_score
import torch
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sentence_transformers import SentenceTransformer

MAX_CONCURRENT = 2


class EmbedRequest(BaseModel):
    texts: list[str]
    model: str = "all-MiniLM-L6-v2"


class BertScoreRequest(BaseModel):
    candidates: list[str]
    references: list[str]
    model_type: str = "all-MiniLM-L6-v2"


def create_app(model_dir: str, num_layers: int) -> FastAPI:
    embedder = SentenceTransformer(model_dir, device="cpu")
    scorer = bert_score.BERTScorer(model_type=model_dir, num_layers=num_layers, device="cpu")
    slots = asyncio.Semaphore(MAX_CONCURRENT)
    app = FastAPI()

    def embed_sync(texts: list[str]) -> list[list[float]]:
        return embedder.encode(texts, normalize_embeddings=True).tolist()

    def bertscore_sync(candidates: list[str], references: list[str]) -> tuple[list[float], list[float], list[float]]:
        with torch.inference_mode():
            precision, recall, f1 = scorer.score(candidates, references)
        return precision.tolist(), recall.tolist(), f1.tolist()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "device": "cpu"}

    @app.post("/embed")
    async def embed(request: EmbedRequest) -> dict[str, object]:
        async with slots:
            embeddings = await asyncio.to_thread(embed_sync, request.texts)
        return {"embeddings": embeddings, "model": request.model, "dimensions": len(embeddings[0]) if embeddings else 0}

    @app.post("/bertscore")
    async def bertscore(request: BertScoreRequest) -> dict[str, object]:
        async with slots:
            precision, recall, f1 = await asyncio.to_thread(bertscore_sync, request.candidates, request.references)
        return {"precision": precision, "recall": recall, "f1": f1, "model": request.model_type}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--num-layers", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(args.model_dir, args.num_layers)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
