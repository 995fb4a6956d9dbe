"""POST /v1/audio/speech: OpenAI's speech API, answered with audio bytes from a real cluster."""

from __future__ import annotations

import io
import wave

import pytest

from synthesis.api.openai import emotion_from_instructions
from synthesis.models import SynthesisJob
from tests.conftest import TEST_VOICE, client_for, wait_final

pytestmark = pytest.mark.django_db
URL = "/v1/audio/speech"
TEXT = "今天天气真好，我们一起去公园散步吧！"


def speak(client, **body):
    body.setdefault("model", "tts-1")
    body.setdefault("voice", "alloy")
    body.setdefault("input", TEXT)
    return client.post(URL, body, format="json")


def assert_openai_error(response, status: int, fragment: str = "", param=None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert fragment.lower() in error["message"].lower()
    if param is not None:
        assert error["param"] == param
    return error


@pytest.fixture
def bearer_api(alice):
    return client_for(alice, keyword="Bearer")


@pytest.fixture
def cluster(qcluster, settings):
    settings.TTS_MAX_WAIT_SECONDS = 30
    return qcluster


def wav_of(data: bytes) -> wave.Wave_read:
    return wave.open(io.BytesIO(data), "rb")


# --- with a real cluster: audio bytes ----------------------------------------------------------


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("response_format", "content_type", "magic"),
    [
        ("mp3", "audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
        ("flac", "audio/flac", (b"fLaC",)),
        ("ogg", "audio/ogg", (b"OggS",)),
        ("opus", "audio/ogg; codecs=opus", (b"OggS",)),
    ],
)
def test_compressed_formats_answer_their_bytes(
    cluster, bearer_api, response_format, content_type, magic
):
    response = speak(bearer_api, response_format=response_format)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == content_type
    data = b"".join(response.streaming_content)
    assert data.startswith(magic)
    assert int(response["Content-Length"]) == len(data)


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_wav_is_a_wave_file_of_the_default_voice(cluster, bearer_api, alice):
    response = speak(bearer_api, response_format="wav", model="gpt-4o-mini-tts")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "audio/wav"
    with wav_of(b"".join(response.streaming_content)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        assert wav.getnframes() > 0
    job = SynthesisJob.objects.get(pk=response["X-TTS-Job"])
    assert (job.owner, job.source, job.voice) == (alice, "api", TEST_VOICE)
    assert job.client_model == "gpt-4o-mini-tts"


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_pcm_is_raw_24khz_16bit_mono(cluster, bearer_api):
    pcm = speak(bearer_api, response_format="pcm", input="你好，世界。")
    assert pcm.status_code == 200, pcm.content
    assert pcm["Content-Type"] == "audio/pcm"
    raw = b"".join(pcm.streaming_content)
    job = SynthesisJob.objects.get(pk=pcm["X-TTS-Job"])
    assert (job.output_format, job.sample_rate) == ("wav", 24000)
    with job.audio.open("rb") as handle, wave.open(handle, "rb") as wav:
        assert wav.getframerate() == 24000
        frames = wav.readframes(wav.getnframes())
    assert raw == frames and len(raw) % 2 == 0
    assert not raw.startswith(b"RIFF")


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_the_job_is_in_the_history_with_source_api(cluster, bearer_api):
    response = speak(bearer_api, voice=TEST_VOICE, response_format="wav", emotion="sad")
    assert response.status_code == 200
    history = bearer_api.get("/api/tts/jobs").json()["results"]
    assert history[0]["id"] == response["X-TTS-Job"]
    assert (history[0]["source"], history[0]["status"]) == ("api", "succeeded")
    assert (history[0]["voice"], history[0]["emotion"]) == (TEST_VOICE, "sad")


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_instructions_pick_an_emotion(cluster, bearer_api):
    response = speak(bearer_api, response_format="wav", instructions="Speak happily, please.")
    assert response.status_code == 200
    assert SynthesisJob.objects.get(pk=response["X-TTS-Job"]).emotion == "happy"


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_slow_job_is_a_504_and_keeps_running(cluster, bearer_api, settings):
    settings.TTS_MAX_WAIT_SECONDS = 0.3
    response = speak(bearer_api, input="一，二，三，四。[sleep=0.3]", response_format="wav")
    error = assert_openai_error(response, 504, "keeps running")
    assert error["code"] == "timeout"
    job = SynthesisJob.objects.get(source="api")
    assert str(job.pk) in error["message"]
    assert wait_final(job).status == SynthesisJob.Status.SUCCEEDED


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_a_failed_job_is_a_500_server_error(cluster, bearer_api):
    response = speak(bearer_api, input="一，二，三。[fail]", response_format="wav")
    error = assert_openai_error(response, 500, "tone generator")
    assert error["type"] == "server_error"


# --- the openai SDK against a live server ---------------------------------------------------


@pytest.mark.qcluster
@pytest.mark.django_db(transaction=True)
def test_the_openai_sdk_speaks_to_us(cluster, live_server, alice):
    openai = pytest.importorskip("openai")
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=alice)
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=token.key, max_retries=0)
    audio = client.audio.speech.create(
        model="tts-1", voice="alloy", input=TEXT, response_format="wav"
    )
    with wav_of(audio.content) as wav:
        assert wav.getnframes() > 0
    with pytest.raises(openai.BadRequestError) as bad:
        client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT, speed=4.0)
    assert bad.value.body["param"] == "speed"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{live_server.url}/v1", api_key="wrong", max_retries=0
        ).audio.speech.create(model="tts-1", voice="alloy", input=TEXT)


# --- no cluster needed: refusals ---------------------------------------------------------------


def test_bearer_auth_is_required(anon_api):
    error = assert_openai_error(speak(anon_api), 401)
    assert error["code"] == "invalid_api_key"


def test_a_wrong_key_is_401(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-key")
    assert_openai_error(speak(anon_api), 401, "token")


@pytest.mark.parametrize("speed", [0.25, 0.49, 2.5, 4.0])
def test_speed_outside_our_range_is_400(bearer_api, speed):
    error = assert_openai_error(speak(bearer_api, speed=speed), 400, "0.5", param="speed")
    assert error["type"] == "invalid_request_error"
    assert not SynthesisJob.objects.exists()


@pytest.mark.parametrize(
    ("response_format", "fragment"), [("aac", "not available"), ("m4a", "unknown")]
)
def test_formats_we_do_not_make_are_400(bearer_api, response_format, fragment):
    response = speak(bearer_api, response_format=response_format)
    assert_openai_error(response, 400, fragment, param="response_format")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_input_is_400(bearer_api, text):
    assert_openai_error(speak(bearer_api, input=text), 400, "empty", param="input")


def test_missing_input_is_400(bearer_api):
    response = bearer_api.post(URL, {"model": "tts-1", "voice": "alloy"}, format="json")
    assert_openai_error(response, 400, "empty", param="input")


def test_unknown_voice_and_emotion_are_400(bearer_api):
    assert_openai_error(speak(bearer_api, voice="nobody"), 400, "unknown voice")
    assert_openai_error(speak(bearer_api, emotion="bored"), 400, "unknown emotion")


def test_sse_streaming_is_refused(bearer_api):
    response = speak(bearer_api, stream_format="sse")
    assert_openai_error(response, 400, "stream_format", param="stream_format")


def test_queue_full_is_503(bearer_api, settings, alice, make_job):
    settings.TTS_MAX_QUEUED_JOBS = 1
    make_job(alice, status=SynthesisJob.Status.QUEUED)
    error = assert_openai_error(speak(bearer_api, input="别的话。"), 503, "queue is full")
    assert error["type"] == "server_error"


def test_throttled_is_429(bearer_api, settings):
    settings.TTS_THROTTLE_RATE = "1/min"
    settings.TTS_MAX_WAIT_SECONDS = 0
    speak(bearer_api, response_format="wav")
    error = assert_openai_error(speak(bearer_api, response_format="wav"), 429)
    assert error["type"] == "rate_limit_error"


@pytest.mark.parametrize(
    ("instructions", "emotion"),
    [
        ("Speak sadly.", "sad"),
        ("Sound HAPPY and bright", "happy"),
        ("用开心的语气", "happy"),
        ("angry at first, then sad", "angry"),
        ("whisper", None),
        ("a gentle voice", None),  # the test voice has no `gentle`
        ("", None),
    ],
)
def test_emotion_from_instructions(instructions, emotion):
    voice_emotions = ("neutral", "happy", "sad", "angry")
    assert emotion_from_instructions(instructions, voice_emotions) == emotion


def test_the_schema_documents_the_route(client):
    text = client.get("/api/schema/").content.decode()
    assert "/v1/audio/speech" in text and "audio/mpeg" in text
